-- Audit trail statements (used only by AuditStore).

-- name: insert
insert into audit_log (actor, action, detail) values (?, ?, ?)

-- name: insert_replay
insert into replays (subscription, filter, new_keys, requested_by) values (?, ?, ?, ?) returning id

-- name: set_replay_matched
update replays set matched = ? where id = ?
