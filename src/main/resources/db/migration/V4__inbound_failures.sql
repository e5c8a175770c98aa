-- Payloads an inbound connector (MQTT, Kafka, files) took from a system but could not turn into events:
-- kept whole, with the reason, so nothing the system sent is lost and a fixed mapping can take it again.
create table inbound_failures (
    id          bigserial primary key,
    system      text not null,
    channel     text not null check (channel in ('http', 'mqtt', 'kafka', 'file', 'opcua')),
    reference   text not null,
    format      text not null check (format in ('json', 'xml', 'csv')),
    payload     bytea not null,
    reason      text not null,
    received_at timestamptz not null default now(),
    state       text not null default 'open' check (state in ('open', 'resolved')),
    resolved_at timestamptz,
    check ((state = 'resolved') = (resolved_at is not null))
);
create index inbound_failures_open on inbound_failures (system, id) where state = 'open';
