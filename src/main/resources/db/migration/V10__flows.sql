-- Durable process flows. An instance is a row with a position; a worker holds its row lock (FOR UPDATE SKIP LOCKED)
-- for the whole of one advance, so one instance's steps never run concurrently, and a dead node's locks vanish with
-- its connections: another node continues at once. Each advance writes the step's timeline row, the instance's new
-- position and variables, and the events and deliveries the step makes in one transaction.

-- Every version of a flow an instance ever ran on, by content: an instance finishes on the version it started with.
create table flow_definitions (
    name      text        not null,
    version   text        not null,
    source    text        not null,
    loaded_at timestamptz not null default now(),
    primary key (name, version)
);

-- running: a worker should advance it (due_at says when); waiting: parked at a call, wait, signal or delay (due_at is
-- its timer, if any); failed: stopped at a step with the reason, retriable; completed and cancelled: ended.
create type flow_state as enum ('running', 'waiting', 'compensating', 'completed', 'failed', 'cancelled');

create table flow_instances (
    id              bigint generated always as identity primary key,
    flow            text        not null,
    version         text        not null,
    correlation_key text        not null check (correlation_key <> ''),
    state           flow_state  not null default 'running',
    position        text,
    -- the timeline row of the step it is at (flow_steps.id)
    step_row        bigint,
    -- times the current step was started (a retried step keeps its iteration, so its Idempotency-Key)
    attempt         int         not null default 1 check (attempt > 0),
    -- JSON: step id -> times entered (a step inside a loop gets a new iteration, and so a new Idempotency-Key, each time)
    iterations      text        not null default '{}',
    vars            text        not null default '{}',
    trigger_event   text        not null,
    trigger_seq     bigint,
    -- what a waiting instance waits for: call, event, signal:<name>, delay
    waiting_for     text,
    due_at          timestamptz,
    -- JSON array of completed step ids with a compensation, newest last
    compensable     text        not null default '[]',
    -- JSON: a parallel step's branches in progress, by name: {key, state, answer|error}
    branches        text,
    error           text,
    failed_step     text,
    escalation      text,
    escalated_at    timestamptz,
    start_key       text unique,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    ended_at        timestamptz,
    foreign key (flow, version) references flow_definitions (name, version),
    constraint flow_instance_failed_has_reason check (state <> 'failed' or (error is not null and failed_step is not null)),
    constraint flow_instance_ended check ((state in ('completed', 'cancelled')) = (ended_at is not null)),
    constraint flow_instance_waits_for_something check (state <> 'waiting' or waiting_for is not null)
);
-- One active instance per (flow, key): a failed instance keeps its key until it is retried to its end or cancelled.
create unique index flow_instances_one_active on flow_instances (flow, correlation_key)
    where state in ('running', 'waiting', 'compensating', 'failed');
create index flow_instances_due on flow_instances (due_at) where due_at is not null;
create index flow_instances_list on flow_instances (flow, state, id);
create index flow_instances_key on flow_instances (correlation_key, id);
create index flow_instances_ended on flow_instances (ended_at) where ended_at is not null;
create index flow_instances_created on flow_instances (flow, created_at);

-- The timeline: one row per step entered (a wait or call stays 'waiting' until it resumes), and notes such as an
-- ignored duplicate trigger. No foreign key to the instance: a key check would lock the instance row, which a worker
-- holds for a whole advance, and the routing stage must never wait for a worker (it holds correlation locks the
-- worker may want).
create table flow_steps (
    id          bigint generated always as identity primary key,
    instance_id bigint      not null,
    step        text        not null,
    kind        text        not null,
    iteration   int         not null check (iteration > 0),
    attempt     int         not null check (attempt > 0),
    state       text        not null check (state in ('waiting', 'completed', 'failed', 'timed_out', 'noted')),
    input       text,
    result      text,
    error       text,
    delivery_id bigint,
    started_at  timestamptz not null,
    ended_at    timestamptz
);
create index flow_steps_instance on flow_steps (instance_id, id);

-- An instance parked at a wait, under the key it waits for. The routing stage marks it matched when an event with
-- that key arrives; the instance takes the event from the inbox when it resumes.
create table flow_waits (
    instance_id bigint  primary key,
    flow        text    not null,
    step        text    not null,
    key         text    not null,
    matched     boolean not null default false
);
create index flow_waits_key on flow_waits (flow, step, key);
create index flow_waits_matched on flow_waits (instance_id) where matched;

-- Correlatable events, kept whether or not an instance waits yet: an answer that arrives before its wait is not lost.
-- One row per (flow, wait step) that may take the event, under the key that wait computes from it. A row nobody took
-- before expires_at is expired: listed and counted, never silently dropped.
create table flow_inbox (
    id          bigint generated always as identity primary key,
    flow        text        not null,
    step        text        not null,
    key         text        not null,
    event_seq   bigint      not null,
    event       text        not null,
    received_at timestamptz not null default now(),
    expires_at  timestamptz not null,
    taken_by    bigint,
    taken_at    timestamptz,
    constraint flow_inbox_once unique (flow, step, event_seq),
    constraint flow_inbox_taken check ((taken_by is null) = (taken_at is null))
);
create index flow_inbox_open on flow_inbox (flow, step, key, id) where taken_at is null;
create index flow_inbox_expiry on flow_inbox (expires_at) where taken_at is null;
create index flow_inbox_taken on flow_inbox (taken_at) where taken_at is not null;
