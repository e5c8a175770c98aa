-- Event log statements (used only by EventStore).

-- name: insert
insert into events (source, id, type, subject, event_time, body, traceparent, plant)
select u.* from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[])
  as u(source, id, type, subject, event_time, body, traceparent, plant)
where not exists (select 1 from retired_event_keys r where r.source = u.source and r.id = u.id)
on conflict (source, id) do nothing
returning seq, source, id

-- name: by_id
select seq, received_at, body, plant from events where id = ? and (?::text is null or source = ?) order by seq limit 2

-- name: by_seq
select seq, received_at, body, plant from events where seq = ?

-- Filters are bound once each in a parameter row; null means "any". A type ending in '.*' is a family.

-- name: search
with p as (select ?::text as type, ?::text as subject, ?::text as source, ?::text[] as plants, ?::bigint as after)
select e.seq, e.received_at, e.body, e.plant from events e, p
where (p.type is null or e.type = p.type or (right(p.type, 2) = '.*' and e.type like left(p.type, -1) || '%'))
  and (p.subject is null or e.subject = p.subject)
  and (p.source is null or e.source = p.source)
  and (p.plants is null or e.plant like any(p.plants))
  and e.seq > p.after
order by e.seq
-- the limit as a value, not from the parameter row: a planner that knows it stops walking at the page's end
limit ?

-- The same with a subject, which is the one filter an index serves (events_subject_seq): compared directly, not
-- through the parameter row, so the planner can use it (a business key's handful of events among millions).
-- name: search_subject
with p as (select ?::text as type, ?::text as source, ?::text[] as plants)
select e.seq, e.received_at, e.body, e.plant from events e, p
where e.subject = ? and e.seq > ?
  and (p.type is null or e.type = p.type or (right(p.type, 2) = '.*' and e.type like left(p.type, -1) || '%'))
  and (p.source is null or e.source = p.source)
  and (p.plants is null or e.plant like any(p.plants))
order by e.seq
limit ?

-- /*given*/ is where EventStore repeats the filters that were given as plain comparisons, which the planner can serve
-- from an index (events_subject_seq, events_type_seq, events_received_brin); the parameter row alone hides them.
-- name: for_replay
with p as (select ?::text as type, ?::text as subject, ?::timestamptz as from_time, ?::timestamptz as to_time,
                  ?::text[] as plants)
select e.seq, e.source, e.id, e.type, e.subject, e.body from events e, p
where /*given*/ (p.type is null or e.type = p.type or (right(p.type, 2) = '.*' and e.type like left(p.type, -1) || '%'))
  and (p.subject is null or e.subject = p.subject)
  and (p.from_time is null or e.received_at >= p.from_time)
  and (p.to_time is null or e.received_at < p.to_time)
  and (p.plants is null or e.plant like any(p.plants))
order by e.seq
limit ?

-- Pruned events leave their key behind while it is inside the idempotency window (the second parameter).
-- Events still queued for routing (and any after them) stay: their deliveries do not exist yet.
-- name: prune
with gone as (
  delete from events where seq in (
    select e.seq from events e
    where e.received_at < ? and not exists (select 1 from deliveries d where d.event_seq = e.seq)
      and e.seq < coalesce((select min(q.first_seq) from routing_queue q), 9223372036854775807)
    order by e.seq limit ?)
  returning source, id, received_at),
kept as (
  insert into retired_event_keys (source, id, received_at)
  select source, id, received_at from gone where received_at >= ?
  on conflict do nothing)
select count(*) from gone

-- name: prune_retired_keys
delete from retired_event_keys where ctid in (
  select ctid from retired_event_keys where received_at < ? limit ?)
