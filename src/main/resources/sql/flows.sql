-- Flow statements (used only by FlowStore).

-- name: define
insert into flow_definitions (name, version, source) values (?, ?, ?) on conflict do nothing

-- name: definition
select source from flow_definitions where name = ? and version = ?

-- name: definitions
select d.name, d.version, d.loaded_at,
       (select count(*) from flow_instances i where i.flow = d.name and i.version = d.version
          and i.state in ('running', 'waiting', 'compensating', 'failed')) as active,
       d.source
from flow_definitions d order by d.name, d.loaded_at

-- A second start for an active (flow, key), or a repeated start key, inserts nothing.
-- name: start
insert into flow_instances (flow, version, correlation_key, trigger_event, trigger_seq, position, vars, due_at, start_key, plant)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
on conflict do nothing
returning id

-- name: any_active
select 1 from flow_instances where state in ('running', 'waiting', 'compensating', 'failed') limit 1

-- name: active
select id from flow_instances where flow = ? and correlation_key = ? and state in ('running', 'waiting', 'compensating', 'failed')

-- name: by_start_key
select id, flow from flow_instances where start_key = ?

-- Instances a worker should advance: due (runnable, or a timer fired), woken by a matching event, or answered by a
-- call's settlement. Each is locked for the whole advance; instances other workers hold are skipped.
-- Only active instances are due (due_only_while_active), so the claim has no state filter: one with it made the planner
-- read every due instance and sort them on each claim (56 ms a claim with 30,000 timers due) instead of walking
-- flow_instances_due in due order up to the limit.
-- name: claim_due
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances
where due_at <= ?
order by due_at
limit ?
for update skip locked

-- name: claim_matched
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances
where id in (select instance_id from flow_waits where matched limit ?) and state = 'waiting'
limit ?
for update skip locked

-- The subquery reads only the small replies table (a join with flow_instances cost 28 ms a claim under load); the
-- state is checked on the locked row, since another worker may have moved the instance on since the subquery looked.
-- A reply for an instance that ended meanwhile is dropped by retention.
-- name: claim_replied
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances
where id in (select split_part(reply_to, ':', 2)::bigint from delivery_replies where reply_to like 'flow:%' order by delivery_id limit ?)
  and state in ('waiting', 'compensating')
limit ?
for update skip locked

-- One instance, locked, for an action from the API (signal, retry, cancel); waits for a worker that holds it.
-- name: lock
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances where id = ?
for update

-- name: save
update flow_instances set state = ?::flow_state, position = ?, step_row = ?, attempt = ?, iterations = ?, vars = ?, waiting_for = ?,
       due_at = ?, compensable = ?, error = ?, failed_step = ?, escalation = coalesce(?, escalation),
       escalated_at = case when ? then coalesce(escalated_at, ?) else escalated_at end,
       updated_at = ?, ended_at = ?, branches = ?
where id = ?

-- name: steps_insert
insert into flow_steps (instance_id, step, kind, iteration, attempt, state, input, result, error, delivery_id, started_at, ended_at)
select * from unnest(?::bigint[], ?::text[], ?::text[], ?::int[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[],
                     ?::timestamptz[], ?::timestamptz[])
returning id, state

-- name: step_close
update flow_steps set state = ?, result = ?, error = ?, ended_at = ?, delivery_id = coalesce(?, delivery_id) where id = ?

-- name: note
insert into flow_steps (instance_id, step, kind, iteration, attempt, state, input, started_at, ended_at)
values (?, ?, ?, 1, 1, 'noted', ?, ?, ?)

-- name: timeline
select id, step, kind, iteration, attempt, state, input, result, error, delivery_id, started_at, ended_at
from flow_steps where instance_id = ? order by id

-- name: instance
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances where id = ?

-- name: list
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances
where (?::text is null or flow = ?) and (?::text is null or state = ?::flow_state) and (?::text is null or correlation_key = ?)
  and (?::text[] is null or plant like any(?::text[]))
  and id > ?
order by id
limit ?

-- The same, newest first from a position (the console's list: what started lately).
-- name: list_newest
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances
where (?::text is null or flow = ?) and (?::text is null or state = ?::flow_state) and (?::text is null or correlation_key = ?)
  and (?::text[] is null or plant like any(?::text[]))
  and id < ?
order by id desc
limit ?

-- Correlation: one lock per (flow, wait step, key), taken by the routing stage before it keeps an event and by a
-- worker before it looks for one, so an event and a wait that start at the same moment always meet. The routing stage
-- waits for it; a worker only tries (and comes back to the instance a moment later): both hold several such locks
-- until they commit, taken in different orders, so two that both waited could deadlock.
-- name: correlation_lock
select pg_advisory_xact_lock(hashtext(current_schema() || '/' || ? || '/' || ?), hashtext(?))

-- name: correlation_try_lock
select pg_try_advisory_xact_lock(hashtext(current_schema() || '/' || ? || '/' || ?), hashtext(?))

-- name: inbox_keep
insert into flow_inbox (flow, step, key, event_seq, event, expires_at) values (?, ?, ?, ?, ?, ?)
on conflict do nothing

-- name: waits_match
update flow_waits set matched = true where flow = ? and step = ? and key = ? and not matched
returning instance_id

-- Kept events for a wait, oldest first, not yet taken nor expired.
-- name: inbox_open
select id, event_seq, event from flow_inbox
where flow = ? and step = ? and key = ? and taken_at is null and expires_at > ?
order by id
limit 100

-- The row, and the same event kept for the same wait step under another version's key: taken once.
-- name: inbox_take
update flow_inbox set taken_by = ?, taken_at = ?
where taken_at is null
  and (flow, step, event_seq) = (select flow, step, event_seq from flow_inbox where id = ? and taken_at is null)

-- name: wait_insert
insert into flow_waits (instance_id, flow, step, key) values (?, ?, ?, ?)
on conflict (instance_id) do update set flow = excluded.flow, step = excluded.step, key = excluded.key, matched = false

-- name: wait_delete
delete from flow_waits where instance_id = ? returning key, matched

-- name: wait_rearm
update flow_waits set matched = false where instance_id = ?

-- name: wait_of
select flow, step, key from flow_waits where instance_id = ?

-- name: expired
select id, flow, step, key, event_seq, received_at, expires_at from flow_inbox
where taken_at is null and expires_at <= ?
  and (?::text[] is null or exists (select 1 from events e where e.seq = event_seq and e.plant like any(?::text[])))
  and id > ?
order by id
limit ?

-- name: expired_count
select count(*) from flow_inbox where taken_at is null and expires_at <= ?

-- name: wait_key
select key, matched from flow_waits where instance_id = ?

-- name: delivery_key
select idempotency_key from deliveries where id = ?

-- name: event_seq_of
select seq from events where source = ? and id = ?

-- The trace context stored with an instance's trigger (null when none, or the event was pruned).
-- name: trace_of_event
select traceparent from events where seq = ?

-- name: next_due
select min(due_at) from flow_instances where due_at is not null

-- name: postpone
update flow_instances set due_at = ? where id = ?

-- Retention: ended instances with their timelines, in batches.
-- name: prune_instances
with gone as (
  delete from flow_instances where id in (
    select id from flow_instances where ended_at < ? and state in ('completed', 'cancelled') limit ?)
  returning id),
steps as (delete from flow_steps where instance_id in (select id from gone))
select count(*) from gone

-- Retention: kept events taken, or expired, before the cutoff.
-- name: prune_inbox
delete from flow_inbox where id in (
  (select id from flow_inbox where taken_at < ? limit ?)
  union all
  (select id from flow_inbox where taken_at is null and expires_at < ? limit ?))

-- Retention: replies that reached a flow instance after it ended (a call still out when it was cancelled).
-- name: prune_orphan_replies
delete from delivery_replies r
where r.reply_to like 'flow:%'
  and not exists (select 1 from flow_instances i where i.id = split_part(r.reply_to, ':', 2)::bigint and i.state in ('waiting', 'compensating'))

-- KPIs over the instances a flow started since a time. A point is the instance's start (null from), its end (null to:
-- completed instances only), or the first completion of a step.
-- name: kpi
with d as (
  select extract(epoch from (
           case when ?::text is null then (case when i.state = 'completed' then i.ended_at end)
                else (select min(s.ended_at) from flow_steps s where s.instance_id = i.id and s.step = ? and s.state = 'completed') end
         - case when ?::text is null then i.created_at
                else (select min(s.ended_at) from flow_steps s where s.instance_id = i.id and s.step = ? and s.state = 'completed') end
         ))::float8 as seconds
  from flow_instances i where i.flow = ? and i.created_at >= ? and (?::text[] is null or i.plant like any(?::text[])))
select count(seconds), percentile_cont(0.5) within group (order by seconds), percentile_cont(0.95) within group (order by seconds),
       max(seconds)
from d where seconds is not null

-- name: kpi_states
select state::text, count(*) from flow_instances where flow = ? and created_at >= ? and (?::text[] is null or plant like any(?::text[]))
group by state

-- name: kpi_steps
select s.step, s.kind, count(*),
       percentile_cont(0.5) within group (order by extract(epoch from s.ended_at - s.started_at)::float8),
       percentile_cont(0.95) within group (order by extract(epoch from s.ended_at - s.started_at)::float8)
from flow_instances i
     -- each window instance's steps through flow_steps_instance: the window's cost, not a walk of every step kept
     -- (offset 0 keeps the planner from turning this back into a join over all of flow_steps)
     join lateral (select * from flow_steps s where s.instance_id = i.id and s.state = 'completed' and s.ended_at is not null offset 0) s on true
where i.flow = ? and i.created_at >= ? and (?::text[] is null or i.plant like any(?::text[]))
group by s.step, s.kind
order by min(s.id)

-- The newest instance holding a business key as a value in its variables (the EAM's work-order number, the ERP's
-- document number) or its trigger event (the QMS's NCR number), the parameter being the key as a JSON string. A scan:
-- searches fall back to it only when the key names no event subject, ordering key or correlation key.
-- name: holding
select id, flow, version, correlation_key, state::text, position, step_row, attempt, iterations, vars, trigger_event, trigger_seq,
       waiting_for, due_at, compensable, error, failed_step, escalation, created_at, updated_at, ended_at, escalated_at, branches, plant
from flow_instances
where (strpos(vars, :value) > 0 or strpos(trigger_event, :value) > 0) and (:plants::text[] is null or plant like any(:plants::text[]))
order by id desc
limit 1
