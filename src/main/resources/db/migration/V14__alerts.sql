-- Alerts on business state: an expectation opens when a trigger event arrives (one open per rule and key) and closes
-- when its milestone arrives; one still open at its due time fires an alert. Cost grows with open expectations, not
-- with history (the due index covers open ones only).
create table alert_expectations (
    id          bigint generated always as identity primary key,
    rule        text        not null,
    key         text        not null check (key <> ''),
    plant       text,
    trigger_seq bigint      not null,
    opened_at   timestamptz not null default now(),
    due_at      timestamptz not null,
    state       text        not null default 'open' check (state in ('open', 'met', 'fired')),
    closed_at   timestamptz,
    check ((state = 'open') = (closed_at is null))
);
create unique index alert_expectations_one_open on alert_expectations (rule, key) where state = 'open';
create index alert_expectations_due on alert_expectations (due_at) where state = 'open';

-- A fired alert: resolved when the milestone comes late; acknowledged by a person (audited).
create table alerts (
    id              bigint generated always as identity primary key,
    expectation_id  bigint      not null unique,
    rule            text        not null,
    key             text        not null,
    plant           text,
    severity        text        not null check (severity in ('info', 'warning', 'critical')),
    summary         text        not null,
    fired_at        timestamptz not null default now(),
    resolved_at     timestamptz,
    acknowledged_by text,
    acknowledged_at timestamptz,
    check ((acknowledged_by is null) = (acknowledged_at is null))
);
create index alerts_firing on alerts (rule, key) where resolved_at is null;
