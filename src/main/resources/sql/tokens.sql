-- API tokens (used only by TokenStore). Only hashes are stored.

-- name: create
insert into api_tokens (name, token_hash, roles, plants, sources, expires_at, created_by)
values (?, ?, ?, ?, ?, ?, ?)
on conflict do nothing
returning id, created_at

-- A live token: not revoked and not expired (database time, so node clocks do not matter).
-- name: find
select id, name, roles, plants, sources, expires_at, created_at, created_by, last_used_at, revoked_at, revoked_by
from api_tokens where token_hash = ? and revoked_at is null and (expires_at is null or expires_at > now())

-- Last use is kept to the minute, so a busy token does not write on every request.
-- name: touch
update api_tokens set last_used_at = now()
where id = ? and (last_used_at is null or last_used_at < now() - interval '1 minute')

-- name: list
select id, name, roles, plants, sources, expires_at, created_at, created_by, last_used_at, revoked_at, revoked_by
from api_tokens where (? or revoked_at is null) order by id

-- name: revoke
update api_tokens set revoked_at = now(), revoked_by = ?
where name = ? and revoked_at is null
returning id, name, roles, plants, sources, expires_at, created_at, created_by, last_used_at, revoked_at, revoked_by
