-- Timers due at the same moment shared one key in flow_instances_due, which PostgreSQL stores as one posting list of
-- many rows. A posting list is marked dead only when all its rows are, so after a batch fired, every claim walked the
-- fired rows' stale entries and visited their heap tuples again (auto_explain: 8-10 ms before a claim's first row with
-- 30,000 timers due at once). With the id in the key each entry is its own, and one that a scan found dead is skipped
-- by later scans.
drop index flow_instances_due;
create index flow_instances_due on flow_instances (due_at, id) where due_at is not null;
