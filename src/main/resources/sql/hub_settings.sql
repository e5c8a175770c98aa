-- Hub-wide settings every node must agree on (used only by SettingsStore).

-- Serialises nodes that start at once, for the transaction that checks and sets the settings.
-- name: lock
select pg_advisory_xact_lock(hashtext(current_schema()), 0)

-- name: get
select value from hub_settings where name = ?

-- name: put
insert into hub_settings (name, value) values (?, ?)
on conflict (name) do update set value = excluded.value

-- name: open_deliveries
select count(*) from deliveries where open
