-- Only an active instance can be due: an instance that failed, completed or was cancelled has no due time. The claim
-- then needs no state filter, which let the planner pick a plan that read every due instance and sorted them on each
-- claim (its state filter matched flow_instances_one_active's predicate, or its selectivity was guessed far too low).
update flow_instances set due_at = null where due_at is not null and state not in ('running', 'waiting', 'compensating');
alter table flow_instances add constraint due_only_while_active
    check (due_at is null or state in ('running', 'waiting', 'compensating'));
