-- A retry of many deliveries at once (all matching a filter, or a selection): who asked, for what, and how many.
-- Each delivery it put back remembers the batch (the latest one that retried it), so the batch's progress — how many
-- are delivered, dead again, still on their way — can be shown. plants: the scope of whoever asked (null: every
-- plant); a batch is shown to callers whose scope covers it.
create table retry_batches (
    id         bigint generated always as identity primary key,
    actor      text        not null,
    filter     text        not null,
    plants     text[],
    requested  int         not null default 0 check (requested >= 0),
    created_at timestamptz not null default now()
);
alter table deliveries add column retry_batch bigint;
create index deliveries_retry_batch on deliveries (retry_batch) where retry_batch is not null;
