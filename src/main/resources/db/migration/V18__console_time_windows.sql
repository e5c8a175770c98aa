-- The console's time windows ("events received in the last hour") read events by received_at. Events are appended
-- in time order and never updated, so a BRIN index serves the range for almost nothing per insert — unlike the
-- btree the delivery core dropped for ingest speed (V6).
create index events_received_brin on events using brin (received_at);
