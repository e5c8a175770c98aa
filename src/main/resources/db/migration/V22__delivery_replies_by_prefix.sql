-- A flow instance takes its replies by prefix (flow:<id>:). A LIKE with a bound pattern cannot use a btree index, so
-- every take read the whole table: half the database time of the flow benchmark (1.15 ms a take). The prefix is now
-- a byte-wise range (~>=~ and ~<~), which this operator class serves under any database collation; equality (a
-- waiter's exact reply-to) uses it too.
drop index delivery_replies_waiter;
create index delivery_replies_waiter on delivery_replies (reply_to text_pattern_ops, delivery_id);
