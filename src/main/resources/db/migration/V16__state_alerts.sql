-- Alerts on a state rather than a missed milestone (dead deliveries to a system, a system's queue age) have no
-- expectation; one of them fires at most once per rule and key until it resolves.
alter table alerts alter column expectation_id drop not null;
create unique index alerts_state_once on alerts (rule, key) where resolved_at is null and expectation_id is null;
