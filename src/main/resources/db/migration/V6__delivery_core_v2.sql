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

-- A delivery is open (pending, in flight or failed) until it is delivered or dead, and retry_at is when a
-- failed one may go again. Indexes pick rows by these two columns, never by state, so a claim (pending to
-- in flight) changes no indexed column: a HOT update that writes no index entry. The checks keep them true
-- to the state.
alter table deliveries add column open boolean not null default true;
alter table deliveries add column retry_at timestamptz;
update deliveries set open = state in ('pending', 'in_flight', 'failed'),
                      retry_at = case when state = 'failed' then next_attempt_at end;
alter table deliveries add constraint open_matches_state check (open = (state in ('pending', 'in_flight', 'failed')));
alter table deliveries add constraint retry_at_iff_failed check ((state = 'failed') = (retry_at is not null));

-- Lean deliveries: each index is written on every non-HOT update, so keep only what claims, settlements
-- and the API need. The open-by-state index (state, target, id) was chosen by the planner for "id = any(...)"
-- settlements and walked whole each time.
drop index deliveries_lane_work;
create index deliveries_lane_work on deliveries (target, lane, id) where open;
-- Keys whose head waits for a retry: a claim skips them with one probe each, however long their backlog.
create index deliveries_failed on deliveries (target, lane, ordering_key, retry_at) where retry_at is not null;
create index deliveries_dead on deliveries (target, id) where not open and delivered_at is null;
drop index deliveries_open_by_state;
drop index deliveries_delivered_at;
alter table deliveries drop constraint deliveries_once;
drop index deliveries_event;
alter table deliveries add constraint deliveries_once unique (event_seq, subscription, replay_id);
-- Room on each page for the claim's new row version, so it stays on the page (HOT).
alter table deliveries set (fillfactor = 70);
-- Retention walks the log in seq order (received order), so received_at needs no index of its own.
drop index events_received_at;
