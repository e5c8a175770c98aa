-- Lease and node statements (used only by LeaseStore). Times are the database's.

-- A lease is free when it expired or when its owner's liveness session is gone (the node's advisory lock
-- is no longer held: its process died, its connection closed). Renewal by the owner keeps the epoch.
-- name: acquire
insert into leases (name, owner, expires_at)
select unnest(?::text[]), ?, now() + make_interval(secs => ?)
on conflict (name) do update
  set owner = excluded.owner, expires_at = excluded.expires_at,
      epoch = case when leases.owner = excluded.owner then leases.epoch else nextval('lease_epochs') end
  where leases.owner = excluded.owner or leases.expires_at < now()
     or not exists (select 1 from nodes n join pg_locks l
                      on l.locktype = 'advisory' and l.granted and l.objsubid = 2
                     and l.database = (select oid from pg_database where datname = current_database())
                     and l.classid = hashtext(current_schema())::oid and l.objid = n.lock_key::oid
                    where n.id = leases.owner)
returning name, epoch

-- A new epoch for a lease this node holds, when it starts working it: claims of an earlier worker are fenced off.
-- name: new_epoch
update leases set epoch = nextval('lease_epochs') where name = ? and owner = ? and expires_at > now()
returning epoch

-- name: release
delete from leases where owner = ? and name = any(?)

-- name: release_all
delete from leases where owner = ?

-- name: heartbeat
insert into nodes (id) values (?)
on conflict (id) do update set heartbeat_at = now()

-- The liveness session's lock: (schema key, node key), held for the session's life.
-- name: lock_node
select pg_try_advisory_lock(hashtext(current_schema()), ?)

-- name: register_node
insert into nodes (id, lock_key) values (?, ?)
on conflict (id) do update set lock_key = excluded.lock_key, heartbeat_at = now()

-- Nodes whose liveness session is open now.
-- name: live_nodes
select n.id from nodes n
where exists (select 1 from pg_locks l
              where l.locktype = 'advisory' and l.granted and l.objsubid = 2
                and l.database = (select oid from pg_database where datname = current_database())
                and l.classid = hashtext(current_schema())::oid and l.objid = n.lock_key::oid)
order by n.id

-- name: forget_node
delete from nodes where id = ?

-- name: forget_dead_nodes
delete from nodes where heartbeat_at < now() - interval '1 day'
