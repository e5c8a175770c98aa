-- A silence holds back the notifications of a rule's alerts (all keys, or one) until a time; the alerts are still
-- recorded and listed, marked silenced. Created and lifted by people, audited.
create table alert_silences (
    id         bigint generated always as identity primary key,
    rule       text        not null,
    key        text check (key <> ''),
    until      timestamptz not null,
    reason     text        not null check (reason <> ''),
    created_by text        not null,
    created_at timestamptz not null default now()
);
create index alert_silences_rule on alert_silences (rule, until);

alter table alerts add column silenced boolean not null default false;
