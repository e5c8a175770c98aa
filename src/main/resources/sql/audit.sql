-- Audit trail statements (used only by AuditStore).

-- Entries are appended one at a time, so each knows the one before it.
-- name: lock
select pg_advisory_xact_lock(hashtext(current_schema() || '.audit_log'))

-- name: head
select id, hash from audit_log order by id desc limit 1

-- name: next
select nextval(pg_get_serial_sequence('audit_log', 'id')), now()

-- name: insert
insert into audit_log (id, at, actor, action, detail, client, prev_hash, hash) overriding system value
values (?, ?, ?, ?, ?, ?, ?, ?)

-- name: chain
select id, at, actor, action, detail, client, prev_hash, hash from audit_log where id > ? order by id limit ?

-- name: search
select id, at, actor, action, detail, client, prev_hash, hash from audit_log
where (cast(? as text) is null or actor = ?) and (cast(? as text) is null or action like ? || '%')
  and (cast(? as timestamptz) is null or at >= ?) and (cast(? as timestamptz) is null or at < ?) and id > ?
order by id limit ?

-- The same, newest first from a position (the console's page: what was done lately).
-- name: search_newest
select id, at, actor, action, detail, client, prev_hash, hash from audit_log
where (cast(? as text) is null or actor = ?) and (cast(? as text) is null or action like ? || '%')
  and (cast(? as timestamptz) is null or at >= ?) and (cast(? as timestamptz) is null or at < ?) and id < ?
order by id desc limit ?

-- The entries that acted on these deliveries or flow instances (see V20), oldest first.
-- name: about
select id, at, actor, action, detail, client, prev_hash, hash from audit_log
where substring(detail from '^\{"subject":"(delivery [0-9]+|flow [^" ]+ instance [0-9]+)') = any(?::text[])
order by id limit ?

-- name: insert_replay
insert into replays (subscription, filter, new_keys, requested_by) values (?, ?, ?, ?) returning id

-- name: set_replay_matched
update replays set matched = ? where id = ?
