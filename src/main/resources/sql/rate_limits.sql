-- Rate limit statements (used only by RateLimitStore).

-- name: reserve
-- Takes the next slot for a system and pushes the following one an interval further; returns how many
-- seconds to wait until the slot taken. Parameters: system, interval, interval, interval.
insert into rate_limits as r (system, next_slot) values (?, clock_timestamp() + make_interval(secs => ?))
on conflict (system) do update set next_slot = greatest(r.next_slot, clock_timestamp()) + make_interval(secs => ?)
returning greatest(0, extract(epoch from (r.next_slot - make_interval(secs => ?) - clock_timestamp())))::float8
