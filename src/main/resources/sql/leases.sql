-- Lease and node statements (used only by LeaseStore). Times are the database's.

-- name: acquire
insert into leases (name, owner, expires_at)
select unnest(?::text[]), ?, now() + make_interval(secs => ?)
on conflict (name) do update
  set owner = excluded.owner, expires_at = excluded.expires_at
  where leases.owner = excluded.owner or leases.expires_at < now()
returning name

-- name: release
delete from leases where owner = ? and name = any(?)

-- name: release_all
delete from leases where owner = ?

-- name: heartbeat
insert into nodes (id) values (?)
on conflict (id) do update set heartbeat_at = now()

-- name: live_nodes
select id from nodes where heartbeat_at > now() - make_interval(secs => ?) order by id

-- name: forget_node
delete from nodes where id = ?

-- name: forget_dead_nodes
delete from nodes where heartbeat_at < now() - interval '1 day'
