-- The console's overview. Every query reads one time window through an index on time (events_received_at,
-- deliveries_delivered_at) or only the deliveries not delivered (deliveries_open_by_state), so its cost follows the
-- window's traffic and the backlog, not the history kept.

-- Events received per bucket since a moment, within the caller's plants.
-- name: received
select floor(extract(epoch from received_at - :since) / :bucket)::int, count(*)
from events
where received_at >= :since and (:plants::text[] is null or plant like any(:plants::text[]))
group by 1

-- Deliveries delivered per system and bucket since a moment.
-- name: delivered
select d.target, floor(extract(epoch from d.delivered_at - :since) / :bucket)::int, count(*)
from deliveries d join events e on e.seq = d.event_seq
where d.state = 'delivered' and d.delivered_at >= :since and (:plants::text[] is null or e.plant like any(:plants::text[]))
group by 1, 2

-- Per system: delivery latency (created to delivered) over deliveries delivered since a moment.
-- name: latency
select d.target, count(*),
       percentile_cont(0.5) within group (order by extract(epoch from d.delivered_at - d.created_at)),
       percentile_cont(0.99) within group (order by extract(epoch from d.delivered_at - d.created_at))
from deliveries d join events e on e.seq = d.event_seq
where d.state = 'delivered' and d.delivered_at >= :since and (:plants::text[] is null or e.plant like any(:plants::text[]))
group by 1

-- Per system and state, the deliveries not delivered: how many, the oldest open one's creation, and how many of
-- them went dead or failed since a moment (the failure rate's numerator).
-- name: backlog
select d.target, d.state::text, count(*), min(d.created_at) filter (where d.open), count(*) filter (where d.updated_at >= :since)
from deliveries d join events e on e.seq = d.event_seq
where d.state <> 'delivered' and (:plants::text[] is null or e.plant like any(:plants::text[]))
group by 1, 2
