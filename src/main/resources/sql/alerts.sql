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
