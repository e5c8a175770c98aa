-- Delivery statements (used only by DeliveryStore).

-- name: insert
insert into deliveries (event_seq, subscription, target, path, operation, lane, ordering_key, idempotency_key, replay_id, reply_to)
select * from unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::bigint[], ?::text[])

-- Claims the due work of one lane for the lane's lease holder, in lane order, in one statement: nothing
-- unless the lease (name, owner, epoch) is still held; skips keys whose head waits for a retry (one probe
-- of deliveries_failed each, however long their backlog) and keys this node is already sending (busy);
-- takes over rows left in flight under an older epoch. Claimed rows carry the epoch, and only a
-- settlement under that epoch counts. Parameters are bound as values, not joined from a row: the planner then
-- walks deliveries_lane_work in id order and stops at the limit, instead of reading and sorting the whole lane.
-- A delivery whose event is no longer in the log comes back without a body (it goes dead with that reason).
-- The retry probe is a scalar subquery, not "not exists": planned once for a small table, "not exists" became a hash of
-- every failed delivery of every lane, built again by each claim (CachedPlansTest).
-- name: claim
with picked as (
  select d.id from deliveries d
  where exists (select 1 from leases l where l.name = :lease and l.owner = :owner and l.epoch = :epoch and l.expires_at > now())
    and d.target = :target and d.lane = :lane and d.open
    and (d.retry_at is null or d.retry_at <= now())
    and not (d.state = 'in_flight' and d.claim_epoch = :epoch)
    and (d.ordering_key is null or (d.ordering_key <> all(:busy::text[]) and (
          select 1 from deliveries f
          where f.target = d.target and f.lane = d.lane and f.ordering_key = d.ordering_key and f.retry_at > now()
          limit 1) is null))
  order by d.id
  limit :limit),
claimed as (
  update deliveries d set state = 'in_flight', retry_at = null, claim_epoch = :epoch, updated_at = now()
  from picked
  where d.id = picked.id
  returning d.id, d.event_seq, d.subscription, d.path, d.operation, d.ordering_key, d.idempotency_key, d.attempts,
            d.next_attempt_at, d.created_at, d.reply_to, d.body_override)
select c.id, c.event_seq, c.subscription, c.path, c.operation, c.ordering_key, c.idempotency_key, c.attempts,
       c.next_attempt_at, c.created_at, e.type, coalesce(c.body_override, e.body), e.traceparent, c.reply_to
from claimed c left join events e on e.seq = c.event_seq
order by c.id

-- When the lane next has a retry due (null when none waits).
-- name: next_retry
select min(retry_at) from deliveries where target = ? and lane = ? and retry_at is not null

-- The guards below compare state::text on purpose: it keeps the planner on the primary key.
-- A failed delivery's retry_at is its next_attempt_at; a released one that had attempts is failed and due.

-- Outcomes, and hand-backs of claimed rows not attempted (release), count only under the epoch they were
-- claimed in.
-- A delivery someone waits for (reply_to) that ends here leaves its reply in the same statement, announced by NOTIFY.
-- Returns the rows settled and the replies written.
-- name: settle
with u as (
  select * from unnest(?::bigint[], ?::text[], ?::int[], ?::text[], ?::timestamptz[], ?::boolean[], ?::bigint[], ?::boolean[], ?::text[])
    as u(id, state, status, error, next_at, attempted, epoch, release, response)),
settled as (
update deliveries d
set state           = (case when u.release then (case when d.attempts > 0 then 'failed' else 'pending' end)
                            else u.state end)::delivery_state,
    open            = case when u.release then true else u.state in ('pending', 'in_flight', 'failed') end,
    retry_at        = case when (u.release and d.attempts > 0) or (not u.release and u.state = 'failed')
                           then coalesce(u.next_at, d.next_attempt_at) end,
    attempts        = d.attempts + case when u.attempted then 1 else 0 end,
    updated_at      = now(),
    delivered_at    = case when u.state = 'delivered' and not u.release then now() else d.delivered_at end,
    next_attempt_at = coalesce(u.next_at, d.next_attempt_at),
    last_status     = case when u.release then d.last_status else u.status end,
    last_error      = case when u.release then d.last_error else u.error end
from u
where d.id = u.id and d.state::text = 'in_flight' and d.claim_epoch = u.epoch
returning d.id, d.reply_to, d.state, d.last_status, d.last_error, u.response),
replied as (
  insert into delivery_replies (delivery_id, reply_to, state, status, response, error)
  select s.id, s.reply_to, s.state, s.last_status, s.response, s.last_error
  from settled s
  where s.reply_to is not null and s.state in ('delivered', 'dead')
  on conflict (delivery_id) do nothing
  returning 1)
select (select count(*) from settled), r.n, case when r.n > 0 then pg_notify('millwright_reply', current_schema()) end
from (select count(*) as n from replied) r

-- name: insert_attempts
insert into delivery_attempts (delivery_id, attempt, started_at, duration_ms, node, status, outcome, error)
select * from unnest(?::bigint[], ?::int[], ?::timestamptz[], ?::int[], ?::text[], ?::int[], ?::text[], ?::text[])

-- Filters are bound once each in a parameter row; null means "any".

-- /*scope*/ is where DeliveryStore names the partial index a state filter can use (deliveries_dead for dead ones,
-- deliveries_lane_work for open ones): a filter that matches little then reads little.
-- name: search
with p as (select ?::delivery_state as state, ?::text as target, ?::text as okey, ?::text as sub, ?::text as reason,
                  ?::text[] as plants, ?::text as etype, ?::timestamptz as from_t, ?::timestamptz as to_t, ?::bigint[] as ids,
                  ?::bigint as after)
select d.id, d.event_seq, e.source as event_source, e.id as event_id, e.type as event_type, e.plant, d.subscription, d.target,
       d.path, d.operation, d.lane, d.ordering_key, d.idempotency_key, d.replay_id, d.state, d.attempts, d.next_attempt_at,
       d.created_at, d.updated_at, d.delivered_at, d.last_status, d.last_error
from deliveries d join events e on e.seq = d.event_seq, p
where /*scope*/ (p.state is null or d.state = p.state)
  and (p.target is null or d.target = p.target)
  and (p.okey is null or d.ordering_key = p.okey)
  and (p.sub is null or d.subscription = p.sub)
  and (p.reason is null or strpos(d.last_error, p.reason) > 0)
  and (p.plants is null or e.plant like any(p.plants))
  and (p.etype is null or e.type = p.etype or (right(p.etype, 2) = '.*' and e.type like left(p.etype, -1) || '%'))
  and (p.from_t is null or d.updated_at >= p.from_t)
  and (p.to_t is null or d.updated_at < p.to_t)
  and (p.ids is null or d.id = any(p.ids))
  and d.id > p.after
order by d.id
-- the limit as a value, not from the parameter row: a planner that knows it stops walking at the page's end
limit ?

-- name: by_id
select d.id, d.event_seq, e.source as event_source, e.id as event_id, e.type as event_type, e.plant, d.subscription, d.target,
       d.path, d.operation, d.lane, d.ordering_key, d.idempotency_key, d.replay_id, d.state, d.attempts, d.next_attempt_at,
       d.created_at, d.updated_at, d.delivered_at, d.last_status, d.last_error
from deliveries d join events e on e.seq = d.event_seq
where d.id = ?

-- The payload a delivery sends: its edit, else its event as the log holds it; locked for an edit.
-- name: payload_for_edit
select d.state::text, d.body_override, e.body from deliveries d left join events e on e.seq = d.event_seq where d.id = ? for update of d

-- name: set_payload
update deliveries set body_override = ?, updated_at = now() where id = ? and state in ('dead', 'failed')

-- How many of these events the subscription has delivered already (a replay under the original keys repeats them).
-- name: delivered_of
select count(distinct event_seq) from deliveries where subscription = ? and event_seq = any(?) and state = 'delivered'

-- name: payload_of
select d.body_override is not null, coalesce(d.body_override, e.body) from deliveries d left join events e on e.seq = d.event_seq where d.id = ?

-- name: attempts
select attempt, started_at, duration_ms, node, status, outcome, error
from delivery_attempts where delivery_id = ? order by attempt

-- name: retry
with old as (select id, state, last_error from deliveries where id = ? and state in ('dead', 'failed') for update)
update deliveries d set state = 'pending', open = true, retry_at = null, next_attempt_at = now(), updated_at = now()
from old where d.id = old.id
returning d.id, d.target, d.lane, old.state::text, old.last_error

-- name: retry_matching
with p as (select ?::delivery_state as state, ?::text as target, ?::text as okey, ?::text as sub, ?::text as reason,
                  ?::text[] as plants, ?::text as etype, ?::timestamptz as from_t, ?::timestamptz as to_t, ?::bigint[] as ids,
                  ?::bigint as batch)
update deliveries d set state = 'pending', open = true, retry_at = null, next_attempt_at = now(), updated_at = now(), retry_batch = p.batch
from p
where d.state in ('dead', 'failed')
  and (p.state is null or d.state = p.state)
  and (p.target is null or d.target = p.target)
  and (p.okey is null or d.ordering_key = p.okey)
  and (p.sub is null or d.subscription = p.sub)
  and (p.reason is null or strpos(d.last_error, p.reason) > 0)
  and (p.from_t is null or d.updated_at >= p.from_t)
  and (p.to_t is null or d.updated_at < p.to_t)
  and (p.ids is null or d.id = any(p.ids))
  and (p.plants is null and p.etype is null or exists (
        select 1 from events e where e.seq = d.event_seq and (p.plants is null or e.plant like any(p.plants))
          and (p.etype is null or e.type = p.etype or (right(p.etype, 2) = '.*' and e.type like left(p.etype, -1) || '%'))))
returning d.id, d.target, d.lane

-- name: original_key
select idempotency_key from deliveries where subscription = ? and event_seq = ? and replay_id = 0

-- Unfinished and dead only: both are covered by partial indexes, so the count never walks delivered rows.
-- name: counts
select target, state::text, count(*) from deliveries where open group by target, state
union all
select target, 'dead', count(*) from deliveries where not open and delivered_at is null group by target

-- Walks the table in id order (creation order): old delivered rows are at its start.
-- name: prune_delivered
delete from deliveries where id in (
  select id from deliveries where state::text = 'delivered' and delivered_at < ? order by id limit ?)

-- Deliveries to systems the plant no longer has would wait forever: dead, with the reason (and a reply for a waiter).
-- name: dead_for_missing_systems
with gone as (
  update deliveries set state = 'dead', open = false, retry_at = null, updated_at = now(),
         last_error = 'system ''' || target || ''' is no longer configured; nothing was sent'
  where open and target <> all(?::text[])
  returning id, reply_to, last_error),
replied as (
  insert into delivery_replies (delivery_id, reply_to, state, error)
  select id, reply_to, 'dead', last_error from gone where reply_to is not null
  on conflict (delivery_id) do nothing
  returning 1)
select (select count(*) from gone), case when exists (select 1 from replied) then pg_notify('millwright_reply', current_schema()) end

-- The deliveries made for some events (a transaction's), through deliveries_once, which leads with event_seq.
-- name: for_events
select d.id, d.event_seq, e.source as event_source, e.id as event_id, e.type as event_type, e.plant, d.subscription, d.target,
       d.path, d.operation, d.lane, d.ordering_key, d.idempotency_key, d.replay_id, d.state, d.attempts, d.next_attempt_at,
       d.created_at, d.updated_at, d.delivered_at, d.last_status, d.last_error
from deliveries d join events e on e.seq = d.event_seq
where d.event_seq = any(?::bigint[]) and (?::text[] is null or e.plant like any(?::text[]))
order by d.id
limit ?

-- A retry batch (see V19) is opened before its deliveries are put back, and told how many it took after.
-- name: batch_open
insert into retry_batches (actor, filter, plants) values (?, ?, ?::text[]) returning id

-- name: batch_requested
update retry_batches set requested = ? where id = ?

-- What became of a batch's deliveries since: by state (a delivery retried again by a later batch counts there).
-- name: batch_progress
select b.id, b.actor, b.filter, b.plants, b.requested, b.created_at,
       count(d.id) filter (where d.state = 'delivered'), count(d.id) filter (where d.state = 'dead'),
       count(d.id) filter (where d.state = 'failed'), count(d.id) filter (where d.state in ('pending', 'in_flight'))
from retry_batches b left join deliveries d on d.retry_batch = b.id
where b.id = any(?::bigint[])
group by b.id
order by b.id desc

-- name: batch_recent
select id from retry_batches order by id desc limit ?
