-- A tamper-evident audit trail: each entry carries the hash of the one before it and its own hash over its content
-- and that previous hash, so an edit, a deletion or a reordering made directly in the database breaks the chain at
-- the first entry it touched (`millwright audit verify`). Entries are appended one at a time under an advisory lock.
alter table audit_log add column client text;
alter table audit_log add column prev_hash bytea;
alter table audit_log add column hash bytea;

-- The hash of one entry, exactly as AuditStore computes it in Java: sha256(previous hash || the entry's fields as
-- UTF-8 text, one per line: id, time in UTC to the microsecond, actor, action, detail, client).
create function audit_chain_hash(prev bytea, id bigint, at timestamptz, actor text, action text, detail text, client text)
returns bytea language sql immutable as $$
  select sha256(coalesce(prev, ''::bytea) || convert_to(
      id::text || E'\n' || to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n' || actor || E'\n'
      || action || E'\n' || detail || E'\n' || coalesce(client, ''), 'UTF8'))
$$;

-- Entries written before this migration are chained in id order.
do $$
declare
  r record;
  prev bytea := null;
  h bytea;
begin
  for r in select * from audit_log order by id loop
    h := audit_chain_hash(prev, r.id, r.at, r.actor, r.action, r.detail, r.client);
    update audit_log set prev_hash = prev, hash = h where id = r.id;
    prev := h;
  end loop;
end $$;

alter table audit_log alter column hash set not null;
