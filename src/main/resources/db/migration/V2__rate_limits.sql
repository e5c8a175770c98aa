-- Cluster-wide rate limits: the next free call slot per system, on database time, shared by all nodes.
create table rate_limits (
    system    text primary key,
    next_slot timestamptz not null
);
