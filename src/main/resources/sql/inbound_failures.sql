-- Inbound dead letters (used only by InboundFailureStore).

-- name: insert
insert into inbound_failures (system, channel, reference, format, payload, reason) values (?, ?, ?, ?, ?, ?) returning id

-- name: list
select id, system, channel, reference, format, octet_length(payload) as size, reason, received_at, state, resolved_at
from inbound_failures
where (?::text is null or system = ?) and (?::text[] is null or system = any(?::text[])) and (?::text is null or state = ?) and id > ?
order by id limit ?

-- name: get
select id, system, channel, reference, format, payload, reason, received_at, state, resolved_at from inbound_failures where id = ?

-- name: resolve
update inbound_failures set state = 'resolved', resolved_at = now() where id = ? and state = 'open'

-- name: set_reason
update inbound_failures set reason = ? where id = ?
