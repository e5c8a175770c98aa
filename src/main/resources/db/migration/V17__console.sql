-- The console's transaction page shows the alerts raised on one business key.
create index alerts_key on alerts (key, id);
