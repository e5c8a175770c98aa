-- Delivery core v2: fenced claims, a stored lane count, and idempotency keys that outlive event bodies.

-- Every change of a lease's owner draws a new epoch from one sequence, so an epoch is never reused, even
-- after a lease row is deleted and taken again. A claim records the epoch it was made under; a settlement
-- counts only under the same epoch, so a node that lost a lane cannot settle over the new owner's outcome.
create sequence lease_epochs;
alter table leases add column epoch bigint not null default nextval('lease_epochs');
alter table deliveries add column claim_epoch bigint not null default 0;

-- A node's liveness session holds an advisory lock (schema key, lock_key) for the node's life: when the
-- process dies its connection closes and the lock is gone at once, so others take its leases without
-- waiting for them to expire.
alter table nodes add column lock_key int;

-- Settings every node must agree on (lanes per target): set by the first node, checked by every other.
create table hub_settings (
    name  text primary key,
    value text not null
);

-- Keys of events whose bodies retention pruned, kept for the idempotency window: a resend of an old
-- (source, id) is still a duplicate.
create table retired_event_keys (
    source     text        not null,
    id         text        not null,
    received_at timestamptz not null,
    primary key (source, id)
);
create index retired_event_keys_received_at on retired_event_keys (received_at);

-- Keys whose head failed and waits for its retry: a claim skips them in one index probe each, however
-- long their backlog.
create index deliveries_failed on deliveries (target, lane, ordering_key, next_attempt_at) where state = 'failed';

-- Lean deliveries: every index here is written on each state change (a state change is never a HOT
-- update), so keep only what claims, settlements and the API need. The open-by-state index (state,
-- target, id) was chosen by the planner for "id = any(...)" settlements and walked whole each time.
drop index deliveries_open_by_state;
create index deliveries_trouble on deliveries (state, target, id) where state in ('failed', 'dead');
drop index deliveries_delivered_at;
alter table deliveries drop constraint deliveries_once;
drop index deliveries_event;
alter table deliveries add constraint deliveries_once unique (event_seq, subscription, replay_id);
alter table deliveries set (fillfactor = 85);
-- Retention walks the log in seq order (received order), so received_at needs no index of its own.
drop index events_received_at;
