-- Delivery reply statements (used only by DeliveryReplies).

-- A waiter takes its replies in its own transaction: they are gone when it commits, and back if it rolls back.
-- name: take
delete from delivery_replies where delivery_id in (
  select delivery_id from delivery_replies where reply_to = ? order by delivery_id limit ? for update skip locked)
returning delivery_id, reply_to, state::text, status, response, error, settled_at

-- Every reply to one waiter whose replies are named by a common prefix (a flow instance: flow:<id>:<step>/<iteration>).
-- name: take_prefixed
delete from delivery_replies where delivery_id in (
  select delivery_id from delivery_replies where reply_to like ? order by delivery_id limit ? for update skip locked)
returning delivery_id, reply_to, state::text, status, response, error, settled_at
