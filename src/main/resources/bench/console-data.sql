-- The console benchmark's store: a plant's month, in the order a plant makes it (later rows, later times). Placeholders (%1$d events, one delivery each; %2$d flow instances of
-- the flow 'review' with five steps each) are filled in by ConsoleBench. Statements are separated by lines "-- next".
insert into events (source, id, type, subject, event_time, received_at, body, plant)
select 'bench://plant-' || chr(97 + g %% 3), 'e-' || g, t.type, 'LOT-' || (g %% 200000), t.ts, t.ts,
       format('{"specversion":"1.0","id":"e-%%s","source":"bench://plant-%%s","type":"%%s","subject":"LOT-%%s","plant":"acme/plant-%%s","data":{"qty":%%s}}',
              g, chr(97 + g %% 3), t.type, g %% 200000, chr(97 + g %% 3), g %% 100),
       'acme/plant-' || chr(97 + g %% 3)
from generate_series(1, %1$d) g,
     lateral (select (array['quality.inspection.failed', 'maintenance.workorder.completed', 'production.confirmation.posted',
                            'inventory.goods.issued'])[1 + g %% 4] as type,
                     now() - ((%1$d - g)::double precision / %1$d) * interval '30 days' as ts) t
-- next
-- One delivery per event: 98 %% delivered, 1 %% dead, 1 %% failed and waiting a day for its next attempt.
insert into deliveries (event_seq, subscription, target, path, operation, lane, ordering_key, idempotency_key, state, attempts,
                        next_attempt_at, created_at, updated_at, delivered_at, last_status, last_error, open, retry_at)
select e.seq, 'to-' || s.target, s.target, '/in', 'post', (e.seq %% 16)::int, e.subject, 'k-' || e.seq, s.state::delivery_state,
       case when s.state = 'delivered' then 1 else 3 end, e.received_at, e.received_at,
       e.received_at + (e.seq %% 900) * interval '1 millisecond',
       case when s.state = 'delivered' then e.received_at + (e.seq %% 900) * interval '1 millisecond' end,
       case when s.state = 'delivered' then 201 when s.state = 'dead' then 400 else 503 end,
       case when s.state = 'dead' then 'permanent failure: HTTP 400: {"error":"M7/146 Enter a cost center"}'
            when s.state = 'failed' then 'transient failure: HTTP 503: service unavailable' end,
       s.state = 'failed', case when s.state = 'failed' then now() + interval '1 day' end
from events e,
     lateral (select (array['erp', 'eam', 'qms', 'mes'])[1 + e.seq %% 4] as target,
                     case when e.seq %% 100 = 0 then 'dead' when e.seq %% 100 = 1 then 'failed' else 'delivered' end as state) s
-- next
insert into flow_instances (flow, version, correlation_key, state, position, attempt, vars, trigger_event, waiting_for, error, failed_step,
                            created_at, updated_at, ended_at, plant)
select 'review', (select version from flow_definitions where name = 'review' order by loaded_at desc limit 1), 'LOT-' || g, s.state::flow_state,
       case s.state when 'completed' then 'done' when 'cancelled' then 'approve' else 'approve' end, 1,
       '{"workOrder":{"wonum":"WO-' || g || '"},"approved":' || (g %% 2 = 0) || '}',
       '{"specversion":"1.0","id":"t-' || g || '","type":"test.review.needed","data":{"lot":"LOT-' || g || '","ncrId":"NCR-' || g || '"}}',
       case when s.state = 'waiting' then 'signal:ok' end,
       case when s.state = 'failed' then 'HTTP 400 from erp' end, case when s.state = 'failed' then 'approve' end,
       s.at, s.at + interval '5 minutes', case when s.state in ('completed', 'cancelled') then s.at + interval '5 minutes' end,
       'acme/plant-' || chr(97 + g %% 3)
from generate_series(1, %2$d) g,
     lateral (select case when g %% 20 = 0 then 'failed' when g %% 20 = 1 then 'cancelled' when g %% 10 = 2 then 'waiting' else 'completed' end as state,
                     now() - ((%2$d - g)::double precision / %2$d) * interval '30 days' as at) s
-- next
insert into flow_steps (instance_id, step, kind, iteration, attempt, state, result, started_at, ended_at)
select i.id, st.step, st.kind, 1, 1, 'completed', '{"ok":true}', i.created_at + st.n * interval '1 minute', i.created_at + st.n * interval '1 minute'
from flow_instances i,
     lateral (select n, (array['notify', 'approve', 'post', 'confirm', 'done'])[n] as step, (array['call', 'signal', 'call', 'wait', 'end'])[n] as kind
              from generate_series(1, 5) n) st
-- next
insert into alerts (rule, key, plant, severity, summary, fired_at, resolved_at)
select 'bench-rule', 'LOT-' || g, 'acme/plant-' || chr(97 + g %% 3), 'warning', 'posting for LOT-' || g || ' is late',
       now() - g * interval '1 minute', case when g %% 4 <> 0 then now() - g * interval '1 minute' + interval '30 seconds' end
from generate_series(1, 1000) g
-- next
analyze
