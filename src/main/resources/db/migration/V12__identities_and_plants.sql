-- Identities and plant scopes: what a principal may see is decided by the plant each object belongs to.

-- An event's plant is its CloudEvents `plant` attribute (required by every contract), kept beside the body so scoped
-- queries filter on a column; deliveries belong to their event's plant.
alter table events add column plant text;
-- jsonb cannot hold a \u0000 escape (text can, and data may carry one): such bodies are read with a pattern instead.
update events set plant = case when position('\u0000' in body) = 0 then body::jsonb ->> 'plant'
                               else substring(body from '"plant"\s*:\s*"([^"\\]*)"') end;

-- A flow instance belongs to its trigger's plant (an instance started through the API names one).
alter table flow_instances add column plant text;
update flow_instances set plant = case when position('\u0000' in trigger_event) = 0 then trigger_event::jsonb ->> 'plant'
                                       else substring(trigger_event from '"plant"\s*:\s*"([^"\\]*)"') end;
create index flow_instances_plant on flow_instances (plant, id);

-- A cross-reference entity of one plant (null: master data every plant shares).
alter table xref add column plant text check (plant <> '');

-- API tokens: only the SHA-256 of the secret is kept (the secret has 256 random bits, so no slow hash is needed);
-- a revoked token's name may be used again.
create table api_tokens (
    id           bigint generated always as identity primary key,
    name         text        not null check (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$'),
    token_hash   bytea       not null unique check (length(token_hash) = 32),
    roles        text[]      not null check (cardinality(roles) > 0
                                 and roles <@ array['viewer', 'operator', 'integrator', 'admin', 'producer']),
    plants       text[]      not null check (cardinality(plants) > 0),
    sources      text[],
    expires_at   timestamptz,
    created_at   timestamptz not null default now(),
    created_by   text        not null,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   text,
    check ((revoked_at is null) = (revoked_by is null))
);
create unique index api_tokens_live_name on api_tokens (name) where revoked_at is null;
