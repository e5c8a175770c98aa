-- What an audit entry acted on, when it is a delivery or a flow instance ("delivery 42", "flow review instance 7"),
-- read from its detail's leading subject: a transaction's page shows who retried, edited, signalled or cancelled its
-- parts. An expression index, so the entries and their hash chain stay exactly as written.
create index audit_log_object on audit_log ((substring(detail from '^\{"subject":"(delivery [0-9]+|flow [^" ]+ instance [0-9]+)')));
