-- An event may be kept for one wait step under several keys: when a new flow file changes a wait's key expression,
-- instances still running the older version find it under the key their version computes. Taking one row takes its
-- siblings (same flow, step and event), so a consuming wait still takes the event once.
alter table flow_inbox drop constraint flow_inbox_once;
alter table flow_inbox add constraint flow_inbox_once unique (flow, step, event_seq, key);
