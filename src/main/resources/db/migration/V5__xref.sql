-- Master-data cross-reference: one canonical id per entity, and the id each system knows it by.
create table xref (
    entity_type  text not null check (entity_type in ('equipment', 'asset', 'material', 'lot', 'supplier', 'workorder', 'person')),
    canonical_id text not null check (canonical_id <> ''),
    system       text not null check (system <> '' and system <> 'canonical'),
    local_id     text not null check (local_id <> ''),
    updated_at   timestamptz not null default now(),
    primary key (entity_type, canonical_id, system),
    -- a system's id names one entity only
    unique (entity_type, system, local_id)
);

-- Every change, who made it and what it was (old null: added; new null: removed).
create table xref_history (
    id           bigserial primary key,
    entity_type  text not null,
    canonical_id text not null,
    system       text not null,
    old_local_id text,
    new_local_id text,
    changed_by   text not null,
    changed_at   timestamptz not null default now(),
    check (old_local_id is not null or new_local_id is not null)
);
create index xref_history_entity on xref_history (entity_type, canonical_id, id);
