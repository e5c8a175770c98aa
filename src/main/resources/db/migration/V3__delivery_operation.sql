-- A delivery may go to a named operation of its system (method, path, mapping) instead of a bare path.
alter table deliveries add column operation text;
