-- A delivery someone waits for (a flow step that called a system): reply_to names the waiter. When such a delivery
-- ends (delivered or dead), the settlement that ends it also writes its reply here, with what the system answered;
-- the waiter takes (deletes) it in its own transaction, so a reply is acted on once.
alter table deliveries add column reply_to text check (reply_to <> '');

create table delivery_replies (
    delivery_id bigint         primary key,
    reply_to    text           not null,
    state       delivery_state not null check (state in ('delivered', 'dead')),
    status      int,
    response    text,
    error       text,
    settled_at  timestamptz    not null default now()
);
create index delivery_replies_waiter on delivery_replies (reply_to, delivery_id);
