-- Durable hub core: the event log, deliveries, leases and the audit trail.
-- Rules live here (enums, checks, unique keys) so every node obeys them.

create type delivery_state as enum ('pending', 'in_flight', 'delivered', 'failed', 'dead');

-- Append-only event log; seq is the global order. (source, id) is the idempotency key.
create table events (
    seq         bigint generated always as identity primary key,
    source      text        not null check (source <> ''),
    id          text        not null check (id <> ''),
    type        text        not null check (type <> ''),
    subject     text,
    event_time  timestamptz,
    received_at timestamptz not null default now(),
    body        text        not null,
    constraint events_idempotency_key unique (source, id)
);
create index events_type_seq on events (type, seq);
create index events_subject_seq on events (subject, seq) where subject is not null;
create index events_received_at on events (received_at);

create table replays (
    id           bigint generated always as identity primary key,
    subscription text        not null,
    filter       text        not null,
    new_keys     boolean     not null,
    requested_by text        not null,
    requested_at timestamptz not null default now(),
    matched      int         not null default 0
);

-- One row per (subscription, event) and per replay of it. The lane is a hash of
-- (target, ordering key): a lane is delivered in id order by the one node leasing it.
create table deliveries (
    id              bigint generated always as identity primary key,
    event_seq       bigint         not null references events (seq),
    subscription    text           not null,
    target          text           not null,
    path            text           not null,
    lane            int            not null check (lane >= 0),
    ordering_key    text,
    idempotency_key text           not null,
    replay_id       bigint         not null default 0,
    state           delivery_state not null default 'pending',
    attempts        int            not null default 0 check (attempts >= 0),
    next_attempt_at timestamptz    not null default now(),
    created_at      timestamptz    not null default now(),
    updated_at      timestamptz    not null default now(),
    delivered_at    timestamptz,
    last_status     int,
    last_error      text,
    constraint deliveries_once unique (subscription, event_seq, replay_id),
    constraint delivered_has_time check (state <> 'delivered' or delivered_at is not null)
);
create index deliveries_lane_work on deliveries (target, lane, id) where state in ('pending', 'in_flight', 'failed');
create index deliveries_open_by_state on deliveries (state, target, id) where state <> 'delivered';
create index deliveries_event on deliveries (event_seq);
create index deliveries_delivered_at on deliveries (delivered_at) where state = 'delivered';

-- Attempts that did not succeed at the first try (failures, and the success that follows them).
create table delivery_attempts (
    delivery_id bigint      not null references deliveries (id) on delete cascade,
    attempt     int         not null check (attempt > 0),
    started_at  timestamptz not null,
    duration_ms int         not null,
    node        text        not null,
    status      int,
    outcome     text        not null check (outcome in ('delivered', 'retry', 'dead')),
    error       text,
    primary key (delivery_id, attempt)
);

-- Named leases (delivery lanes, the retention job). Times are database time so node clocks don't matter.
create table leases (
    name       text primary key,
    owner      text        not null,
    expires_at timestamptz not null
);

create table nodes (
    id           text primary key,
    started_at   timestamptz not null default now(),
    heartbeat_at timestamptz not null default now()
);

create table audit_log (
    id     bigint generated always as identity primary key,
    at     timestamptz not null default now(),
    actor  text        not null,
    action text        not null,
    detail text        not null
);
