-- Event log statements (used only by EventStore).

-- name: insert
insert into events (source, id, type, subject, event_time, body)
select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[])
on conflict (source, id) do nothing
returning seq, source, id

-- name: by_id
select seq, received_at, body from events where id = ? and (?::text is null or source = ?) order by seq limit 2

-- name: by_seq
select seq, received_at, body from events where seq = ?

-- name: search
select seq, received_at, body from events
where (?::text is null or type = ? or (right(?, 2) = '.*' and type like left(?, -1) || '%'))
  and (?::text is null or subject = ?)
  and (?::text is null or source = ?)
  and seq > ?
order by seq
limit ?

-- name: for_replay
select seq, source, id, type, subject, body from events
where (?::text is null or type = ? or (right(?, 2) = '.*' and type like left(?, -1) || '%'))
  and (?::text is null or subject = ?)
  and (?::timestamptz is null or received_at >= ?)
  and (?::timestamptz is null or received_at < ?)
order by seq
limit ?

-- name: prune
delete from events where seq in (
  select e.seq from events e
  where e.received_at < ? and not exists (select 1 from deliveries d where d.event_seq = e.seq)
  order by e.seq limit ?)
