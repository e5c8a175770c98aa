-- The console's overview. Events are read by time through events_received_brin; deliveries through their events
-- (deliveries_once leads with event_seq) and, for what is not delivered, through the partial indexes the delivery core
-- keeps anyway (open: deliveries_lane_work; dead: deliveries_dead). So the cost follows the window's traffic and the
-- backlog, not the history kept, and no index is added to the delivery path. Deliveries counted in a window are those
-- of events received since :lookback (an hour before the window): a delivery that took longer is in the backlog.

-- Events received per bucket since a moment, within the caller's plants.
-- name: received
select floor(extract(epoch from received_at - :since) / :bucket)::int, count(*)
from events
where received_at >= :since and (:plants::text[] is null or plant like any(:plants::text[]))
group by 1

-- Deliveries delivered per system and bucket since a moment: from the first delivery of the first event received since
-- :lookback on, in id order (deliveries are made in event order), so a day's window reads a day's rows one after another.
-- name: delivered
with first as (
  select d.id from deliveries d
  -- (offset 0: the events of the window through events_received_brin, not a walk of the log in seq order)
  where d.event_seq >= (select min(seq) from (select seq from events where received_at >= :lookback offset 0) w)
  order by d.event_seq
  limit 1)
select d.target, floor(extract(epoch from d.delivered_at - :since) / :bucket)::int, count(*)
from deliveries d, first
where d.id >= first.id and d.state = 'delivered' and d.delivered_at >= :since
  and (:plants::text[] is null or exists (select 1 from events e where e.seq = d.event_seq and e.plant like any(:plants::text[])))
group by 1, 2

-- Per system: delivery latency (created to delivered) over deliveries delivered in the last hour (at most).
-- name: latency
select d.target, count(*),
       percentile_cont(0.5) within group (order by extract(epoch from d.delivered_at - d.created_at)),
       percentile_cont(0.99) within group (order by extract(epoch from d.delivered_at - d.created_at))
from events e join deliveries d on d.event_seq = e.seq
where e.received_at >= :latency_lookback and (:plants::text[] is null or e.plant like any(:plants::text[]))
  and d.state = 'delivered' and d.delivered_at >= :latency_since
group by 1

-- Per system and state, the deliveries not delivered (open, or dead): how many, the oldest open one's creation, and
-- how many of them went dead or failed since a moment (the failure rate's numerator).
-- name: backlog
select d.target, d.state::text, count(*), min(d.created_at) filter (where d.open), count(*) filter (where d.updated_at >= :since)
from deliveries d
where (d.open or (not d.open and d.delivered_at is null))
  and (:plants::text[] is null or exists (select 1 from events e where e.seq = d.event_seq and e.plant like any(:plants::text[])))
group by 1, 2
