-- Delivery statements (used only by DeliveryStore).

-- name: insert
insert into deliveries (event_seq, subscription, target, path, operation, lane, ordering_key, idempotency_key, replay_id)
select * from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::bigint[])

-- name: lane_work
select d.id, d.event_seq, d.subscription, d.path, d.operation, d.ordering_key, d.idempotency_key, d.state, d.attempts,
       d.next_attempt_at, d.created_at, e.type, e.body
from deliveries d join events e on e.seq = d.event_seq
where d.target = ? and d.lane = ? and d.state in ('pending', 'in_flight', 'failed')
order by d.id
limit ?

-- The guards below compare state::text on purpose: it keeps the planner on the primary key. Compared as
-- the enum, it prefers an index on state, and walks every in-flight entry (live or dead) on each call.

-- name: mark_in_flight
update deliveries set state = 'in_flight', updated_at = now()
where id = any(?) and state::text in ('pending', 'failed', 'in_flight')

-- name: settle
update deliveries d
set state           = u.state::delivery_state,
    attempts        = d.attempts + case when u.attempted then 1 else 0 end,
    updated_at      = now(),
    delivered_at    = case when u.state = 'delivered' then now() else d.delivered_at end,
    next_attempt_at = coalesce(u.next_at, d.next_attempt_at),
    last_status     = u.status,
    last_error      = u.error
from unnest(?::bigint[], ?::text[], ?::int[], ?::text[], ?::timestamptz[], ?::boolean[]) as u(id, state, status, error, next_at, attempted)
where d.id = u.id and d.state::text = 'in_flight'
  and d.id = any(?::bigint[])

-- name: insert_attempts
insert into delivery_attempts (delivery_id, attempt, started_at, duration_ms, node, status, outcome, error)
select * from unnest(?::bigint[], ?::int[], ?::timestamptz[], ?::int[], ?::text[], ?::int[], ?::text[], ?::text[])

-- Filters are bound once each in a parameter row; null means "any".

-- name: search
with p as (select ?::delivery_state as state, ?::text as target, ?::text as okey, ?::text as sub, ?::text as reason,
                  ?::bigint as after, ?::int as lim)
select d.id, d.event_seq, e.source as event_source, e.id as event_id, e.type as event_type, d.subscription, d.target,
       d.path, d.operation, d.lane, d.ordering_key, d.idempotency_key, d.replay_id, d.state, d.attempts, d.next_attempt_at,
       d.created_at, d.updated_at, d.delivered_at, d.last_status, d.last_error
from deliveries d join events e on e.seq = d.event_seq, p
where (p.state is null or d.state = p.state)
  and (p.target is null or d.target = p.target)
  and (p.okey is null or d.ordering_key = p.okey)
  and (p.sub is null or d.subscription = p.sub)
  and (p.reason is null or strpos(d.last_error, p.reason) > 0)
  and d.id > p.after
order by d.id
limit (select lim from p)

-- name: by_id
select d.id, d.event_seq, e.source as event_source, e.id as event_id, e.type as event_type, d.subscription, d.target,
       d.path, d.operation, d.lane, d.ordering_key, d.idempotency_key, d.replay_id, d.state, d.attempts, d.next_attempt_at,
       d.created_at, d.updated_at, d.delivered_at, d.last_status, d.last_error
from deliveries d join events e on e.seq = d.event_seq
where d.id = ?

-- name: attempts
select attempt, started_at, duration_ms, node, status, outcome, error
from delivery_attempts where delivery_id = ? order by attempt

-- name: retry
update deliveries set state = 'pending', next_attempt_at = now(), updated_at = now()
where id = ? and state in ('dead', 'failed')
returning id, target, lane

-- name: retry_matching
with p as (select ?::delivery_state as state, ?::text as target, ?::text as okey, ?::text as sub, ?::text as reason)
update deliveries d set state = 'pending', next_attempt_at = now(), updated_at = now()
from p
where d.state in ('dead', 'failed')
  and (p.state is null or d.state = p.state)
  and (p.target is null or d.target = p.target)
  and (p.okey is null or d.ordering_key = p.okey)
  and (p.sub is null or d.subscription = p.sub)
  and (p.reason is null or strpos(d.last_error, p.reason) > 0)
returning d.id, d.target, d.lane

-- name: original_key
select idempotency_key from deliveries where subscription = ? and event_seq = ? and replay_id = 0

-- name: counts
select target, state::text, count(*) from deliveries group by target, state

-- name: prune_delivered
delete from deliveries where id in (
  select id from deliveries where state = 'delivered' and delivered_at < ? order by id limit ?)

-- name: release
update deliveries d set state = u.state::delivery_state, updated_at = now()
from unnest(?::bigint[], ?::text[]) as u(id, state)
where d.id = u.id and d.state::text = 'in_flight'
  and d.id = any(?::bigint[])
