-- Routing queue statements (used only by RoutingQueue).

-- name: enqueue
insert into routing_queue (first_seq, seqs) values (?, ?)

-- One router at a time per schema, held for its transaction: two routers could otherwise give a key's
-- later event the lower delivery id. The lock ends with the transaction, so a dead router holds nothing.
-- name: lock
select pg_try_advisory_xact_lock(hashtext(current_schema() || '/routing'))

-- Oldest commits first, so a key's deliveries get ids in the order its events were stored.
-- name: take
delete from routing_queue where id in (
  select id from routing_queue order by id limit ?)
returning id, seqs

-- name: events
select e.seq, e.source, e.id, e.type, e.subject, e.body
from events e where e.seq = any(?::bigint[])
order by e.seq

-- name: backlog
select count(*), coalesce(sum(cardinality(seqs)), 0) from routing_queue
