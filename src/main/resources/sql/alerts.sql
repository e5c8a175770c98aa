-- Alerts on business state (used only by AlertStore).

-- A trigger opens its key's expectation; while one is open a repeat changes nothing.
-- name: open
insert into alert_expectations (rule, key, plant, trigger_seq, due_at)
values (?, ?, ?, ?, now() + ? * interval '1 millisecond')
on conflict (rule, key) where state = 'open' do nothing

-- name: meet
update alert_expectations set state = 'met', closed_at = now() where rule = ? and key = ? and state = 'open'

-- name: resolve
update alerts set resolved_at = now() where rule = ? and key = ? and resolved_at is null
returning id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced

-- Due expectations fire once: the state change is the guard, and locked rows are left to the node holding them.
-- name: fire_due
with due as (
  select id from alert_expectations where state = 'open' and due_at <= now() order by due_at limit ? for update skip locked),
fired as (
  update alert_expectations x set state = 'fired', closed_at = now() from due where x.id = due.id
  returning x.id, x.rule, x.key, x.plant, x.opened_at, x.due_at)
select id, rule, key, plant, opened_at, due_at from fired

-- name: insert_alert
insert into alerts (expectation_id, rule, key, plant, severity, summary, silenced)
values (?, ?, ?, ?, ?, ?, exists (select 1 from alert_silences s where s.rule = ? and (s.key is null or s.key = ?) and s.until > now()))
on conflict (expectation_id) do nothing
returning id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced

-- name: list
select id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced from alerts
where (?::text is null or (? = 'firing' and resolved_at is null) or (? = 'resolved' and resolved_at is not null))
  and (?::text is null or rule = ?)
  and (?::text[] is null or plant like any(?::text[]))
  and id > ?
order by id limit ?

-- name: get
select id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced from alerts where id = ?

-- name: acknowledge
update alerts set acknowledged_by = ?, acknowledged_at = now() where id = ? and acknowledged_at is null
returning id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced

-- name: firing
select rule, count(*) from alerts where resolved_at is null group by rule

-- name: open_count
select count(*) from alert_expectations where state = 'open'

-- name: silence
insert into alert_silences (rule, key, until, reason, created_by) values (?, ?, ?, ?, ?)
returning id, rule, key, until, reason, created_by, created_at

-- name: silences
select id, rule, key, until, reason, created_by, created_at from alert_silences where until > now() order by id

-- name: lift
update alert_silences set until = now() where id = ? and until > now()
returning id, rule, key, until, reason, created_by, created_at

-- Each dead delivery to the system fires once (key: the delivery id) while no alert of the rule is open for it.
-- name: dead_letters_fire
insert into alerts (rule, key, plant, severity, summary, silenced)
select ?, d.id::text, e.plant, ?, ? || d.id || ' to ' || d.target || ' is dead: ' || left(coalesce(d.last_error, ''), 300),
       exists (select 1 from alert_silences s where s.rule = ? and (s.key is null or s.key = d.id::text) and s.until > now())
from deliveries d left join events e on e.seq = d.event_seq
where d.state = 'dead' and d.target = ?
  and not exists (select 1 from alerts a where a.rule = ? and a.key = d.id::text and a.resolved_at is null)
order by d.id
limit ?
on conflict do nothing
returning id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced

-- A dead-letter alert resolves once its delivery is no longer dead (retried, or pruned).
-- name: dead_letters_resolve
update alerts a set resolved_at = now()
where a.rule = ? and a.resolved_at is null and a.expectation_id is null
  and not exists (select 1 from deliveries d where d.id = a.key::bigint and d.state = 'dead')
returning id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced

-- The oldest unfinished delivery's age in seconds (each state walks deliveries_open_by_state to its first row).
-- name: queue_age
select extract(epoch from now() - min(created_at))::float8 from (
  (select created_at from deliveries where state = 'pending' and target = ? order by id limit 1)
  union all (select created_at from deliveries where state = 'in_flight' and target = ? order by id limit 1)
  union all (select created_at from deliveries where state = 'failed' and target = ? order by id limit 1)) q

-- name: state_fire
insert into alerts (rule, key, plant, severity, summary, silenced)
values (?, ?, ?, ?, ?, exists (select 1 from alert_silences s where s.rule = ? and (s.key is null or s.key = ?) and s.until > now()))
on conflict do nothing
returning id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced

-- name: state_resolve
update alerts set resolved_at = now() where rule = ? and key = ? and resolved_at is null and expectation_id is null
returning id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced

-- name: for_key
select id, rule, key, plant, severity, summary, fired_at, resolved_at, acknowledged_by, acknowledged_at, silenced from alerts
where key = ? and (?::text[] is null or plant like any(?::text[]))
order by id desc limit 20
