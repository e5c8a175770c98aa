-- An operator may correct a dead or failed delivery's payload before retrying it: the edited CloudEvent is kept on the
-- delivery (the event log keeps what was sent to the hub), and the audit trail keeps the difference.
alter table deliveries add column body_override text;
