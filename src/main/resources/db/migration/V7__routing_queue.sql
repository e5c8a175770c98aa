-- Routing apart from intake: an ingest commit appends its events and one row here naming the new events a
-- subscription may take; the routing stage turns queued events into deliveries later, in its own transaction,
-- and deletes the row in that transaction. So intake never waits for routing, and every queued event is routed
-- exactly once: the row and the deliveries commit together. One row per commit (not per event) keeps intake cheap.
create table routing_queue (
    id        bigint generated always as identity primary key,
    first_seq bigint   not null,
    seqs      bigint[] not null check (cardinality(seqs) > 0)
);

-- The foreign key from deliveries to events locked each event row (FOR KEY SHARE) for every delivery inserted,
-- writing to the event's page: the most expensive part of creating a delivery. Deliveries are only made from
-- events read in the same transaction, and retention deletes only events no delivery references; a claim that
-- meets a delivery whose event is gone anyway settles it dead with that reason (deliveries.sql, claim).
alter table deliveries drop constraint deliveries_event_seq_fkey;
