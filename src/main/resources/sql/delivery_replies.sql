-- Delivery reply statements (used only by DeliveryReplies).

-- A waiter takes its replies in its own transaction: they are gone when it commits, and back if it rolls back.
-- "= any(array(...))" deletes the picked rows through the primary key; "in (...)" had the planner hash-join a scan of
-- the whole (churning, so dead-tuple-laden) table against them.
-- name: take
delete from delivery_replies where delivery_id = any(array(
  select delivery_id from delivery_replies where reply_to = ? order by delivery_id limit ? for update skip locked))
returning delivery_id, reply_to, state::text, status, response, error, settled_at

-- Every reply to one waiter whose replies are named by a common prefix (a flow instance: flow:<id>:<step>/<iteration>):
-- the byte-wise range [prefix, prefix with its last character's successor), which delivery_replies_waiter serves.
-- name: take_prefixed
delete from delivery_replies where delivery_id = any(array(
  select delivery_id from delivery_replies where reply_to ~>=~ ? and reply_to ~<~ ? order by delivery_id limit ? for update skip locked))
returning delivery_id, reply_to, state::text, status, response, error, settled_at

-- An ended waiter's replies nobody will take (a flow call still out when its instance was cancelled).
-- name: drop_prefixed
delete from delivery_replies where reply_to ~>=~ ? and reply_to ~<~ ?
