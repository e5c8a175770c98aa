-- Cross-reference statements (used only by XrefStore).

-- name: canonical_of
select canonical_id from xref where entity_type = ? and system = ? and local_id = ?

-- name: local_of
select local_id from xref where entity_type = ? and canonical_id = ? and system = ?

-- name: entry
select system, local_id, updated_at from xref where entity_type = ? and canonical_id = ? order by system

-- name: lock_entry
select system, local_id from xref where entity_type = ? and canonical_id = ? for update

-- name: plant_of
select plant from xref where entity_type = ? and canonical_id = ? limit 1

-- name: set_plant
update xref set plant = ? where entity_type = ? and canonical_id = ?

-- name: owner_of
select canonical_id from xref where entity_type = ? and system = ? and local_id = ?

-- name: upsert
insert into xref (entity_type, canonical_id, system, local_id) values (?, ?, ?, ?)
on conflict (entity_type, canonical_id, system) do update set local_id = excluded.local_id, updated_at = now()

-- name: remove
delete from xref where entity_type = ? and canonical_id = ? and system = ?

-- name: history_add
insert into xref_history (entity_type, canonical_id, system, old_local_id, new_local_id, changed_by) values (?, ?, ?, ?, ?, ?)

-- name: history
select system, old_local_id, new_local_id, changed_by, changed_at from xref_history
where entity_type = ? and canonical_id = ? order by id

-- name: count
select count(*) from xref

-- name: import_stage
create temp table xref_import (line int, entity_type text, canonical_id text, system text, local_id text) on commit drop

-- name: import_rows
insert into xref_import select * from unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::text[])

-- name: import_index
create index on xref_import (entity_type, system, local_id)

-- name: import_index_entity
create index on xref_import (entity_type, canonical_id, system)

-- name: import_analyze
analyze xref_import

-- name: import_conflicts
-- Rows giving a system id that already names another entity, in the store or on an earlier line of the file.
select i.line, i.local_id, i.system, coalesce(x.canonical_id, f.canonical_id) as owner
from xref_import i
left join xref x on x.entity_type = i.entity_type and x.system = i.system and x.local_id = i.local_id
                and x.canonical_id <> i.canonical_id
left join lateral (select e.canonical_id from xref_import e
                   where e.entity_type = i.entity_type and e.system = i.system and e.local_id = i.local_id
                     and e.canonical_id <> i.canonical_id and e.line < i.line
                   limit 1) f on true
where x.canonical_id is not null or f.canonical_id is not null

-- name: import_drop_line
delete from xref_import where line = any(?::int[])

-- name: import_keep_last
-- A later line for the same entity and system wins.
delete from xref_import a using xref_import b
where a.entity_type = b.entity_type and a.canonical_id = b.canonical_id and a.system = b.system and a.line < b.line

-- name: import_diff
create temp table xref_diff on commit drop as
select i.entity_type, i.canonical_id, i.system, x.local_id as old_local_id, i.local_id as new_local_id
from xref_import i left join xref x using (entity_type, canonical_id, system)
where x.local_id is distinct from i.local_id

-- name: import_counts
select count(*) filter (where old_local_id is null) as added, count(*) filter (where old_local_id is not null) as changed from xref_diff

-- name: import_staged
select count(*) from xref_import

-- name: import_history
insert into xref_history (entity_type, canonical_id, system, old_local_id, new_local_id, changed_by)
select entity_type, canonical_id, system, old_local_id, new_local_id, ? from xref_diff

-- name: import_apply
insert into xref (entity_type, canonical_id, system, local_id)
select entity_type, canonical_id, system, new_local_id from xref_diff
on conflict (entity_type, canonical_id, system) do update set local_id = excluded.local_id, updated_at = now()

-- Entities by type and a prefix of their canonical id or of any system's id, in key order from a position, within
-- the caller's plants (shared entities, plant null, are everyone's).
-- name: browse
select x.entity_type, x.canonical_id, min(x.plant), jsonb_object_agg(x.system, x.local_id)::text
from xref x
where (x.entity_type, x.canonical_id) in (
  select distinct entity_type, canonical_id from xref
  where (:type::text is null or entity_type = :type)
    and (:q::text is null or starts_with(canonical_id, :q) or starts_with(local_id, :q))
    and (entity_type, canonical_id) > (:after_type, :after_id)
    and (:plants::text[] is null or plant is null or plant like any(:plants::text[]))
  order by entity_type, canonical_id
  limit :lim)
group by 1, 2
order by 1, 2
