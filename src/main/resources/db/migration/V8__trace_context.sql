-- W3C trace context an event arrived with (its CloudEvents 'traceparent' extension, or the HTTP request's
-- traceparent header); each delivery of the event carries it on, so a plant's tracing follows the hops.
alter table events add column traceparent text check (traceparent ~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$');
