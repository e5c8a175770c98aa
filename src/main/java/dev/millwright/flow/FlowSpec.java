package dev.millwright.flow;

import dev.millwright.config.spec.Spec;

import java.util.List;

import static dev.millwright.config.spec.Spec.bool;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.expression;
import static dev.millwright.config.spec.Spec.integer;
import static dev.millwright.config.spec.Spec.listOf;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.oneOf;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/**
 * The spec of a flow file (flows/NAME.yaml): validates it, and generates its reference page and JSON Schema. A step is
 * an id plus exactly one kind key (call, wait, set, ...); the kinds are listed in {@link #KINDS}.
 */
public final class FlowSpec {
    private FlowSpec() {
    }

    private static final String EXPRESSIONS = " A JSONata expression over {trigger, vars, instance}: the trigger event, the instance's variables, "
            + "and {id, flow, key}.";

    static final Spec.Obj CALL = object(
            required("system", string(), "The system to call (systems/<name>.yaml).", "erp"),
            optional("operation", string(), null, "Its operation (outbound.http.operations); absent: the system's plain delivery (POST of the event)."),
            required("data", expression(), "The call's data." + EXPRESSIONS + " It travels as the data of an event "
                    + "that the operation's mapping shapes for the system.", "{ \"lot\": trigger.data.lot.id }"),
            optional("type", string(), null, "The event type the call carries (default: flow.<flow>.<step>); a catalog type is validated against its contract."),
            optional("subject", expression(), null, "The event's subject (default: the instance's correlation key).")
    );

    static final Spec.Obj LOOKUP = object(
            required("system", string(), "The system to ask.", "erp"),
            required("operation", string(), "A GET operation of it (its cache settings apply).", "stock"),
            required("key", expression(), "What to look up: replaces {key} in the operation's path." + EXPRESSIONS, "trigger.data.material.id"),
            optional("attempts", integer(1, 10_000), 12, "How often the system is asked while it cannot answer (refused, timeout, 5xx, "
                    + "429, circuit open) before the step fails with the reason. A 404 is an answer: null."),
            optional("retryEvery", duration(), "5s", "How long the instance waits between those attempts (it holds no worker meanwhile).")
    );

    static final Spec.Obj EMIT = object(
            required("type", string(), "The event type (validated against its contract when in the catalog).", "quality.hold.placed"),
            required("data", expression(), "The event's data." + EXPRESSIONS, "{ \"lot\": trigger.data.lot }"),
            optional("subject", expression(), null, "The event's subject (default: the instance's correlation key).")
    );

    static final Spec.Obj WAIT = object(
            required("on", string(), "The event type waited for.", "maintenance.workorder.completed"),
            optional("key", expression(), null, "The correlation value of an arriving event, over the event, e.g. data.workOrder.id "
                    + "(default: the flow's trigger key expression)."),
            optional("equals", expression(), null, "What that value must equal, computed when the wait starts, e.g. vars.workOrder.wonum."
                    + EXPRESSIONS + " Default: the instance's correlation key."),
            optional("match", expression(), null, "A further condition over {event, trigger, vars}: an event for which it is not true is left for others."),
            optional("consume", bool(), true, "Whether the event is taken (no other wait gets it) or only observed."),
            optional("keepFor", duration(), "1d", "How long an arriving event is kept for a wait that has not started yet."),
            required("timeout", duration(), "How long to wait.", "7d"),
            optional("onTimeout", string(), null, "The step to go to on timeout; absent: the instance fails with 'timed out'.")
    );

    static final Spec.Obj SIGNAL = object(
            required("name", string(), "The signal's name, as sent to POST /api/v1/flow-instances/{id}/signal.", "disposition"),
            required("timeout", duration(), "How long to wait for it.", "3d"),
            optional("onTimeout", string(), null, "The step to go to on timeout; absent: the instance fails with 'timed out'.")
    );

    static final Spec.Obj IF = object(
            required("condition", expression(), "A condition." + EXPRESSIONS, "vars.defectRate > 0.02"),
            required("then", string(), "The step to go to when it is true.", "supplier-case"),
            optional("else", string(), null, "The step to go to otherwise (default: the next step).")
    );

    static final Spec.Obj SWITCH = object(
            required("cases", listOf(object(
                    required("when", expression(), "A condition." + EXPRESSIONS, "vars.disposition.decision = 'scrap'"),
                    required("goto", string(), "The step to go to when it is the first true one.", "scrap-lot")
            )), "Conditions tried in order; the first true one decides.", null),
            optional("default", string(), null, "The step to go to when none is true (default: the next step).")
    );

    static final Spec.Obj ESCALATE = object(
            required("reason", expression(), "Why, as people will read it." + EXPRESSIONS, "'work order ' & vars.workOrder.wonum & ' overdue'"),
            optional("notify", CALL, null, "Tell people: a call (e.g. to a chat or mail system) sent through the delivery path and not "
                    + "waited for; its event's data may use vars.escalation, the reason.")
    );

    static final Spec.Obj FAIL = object(
            required("reason", expression(), "Why." + EXPRESSIONS, "'lot scrapped'")
    );

    /** What undoes a completed step: a call or an event, run as ordinary durable steps in reverse order. */
    static final Spec.Obj COMPENSATE = object(
            optional("call", CALL, null, "A call that undoes the step."),
            optional("emit", EMIT, null, "An event that undoes the step.")
    );

    static final Spec.Obj PARALLEL = object(
            optional("join", oneOf("all", "any"), "all", "all: go on when every branch is done (the step fails, once all settled, if one "
                    + "could not be delivered); any: go on at the first branch delivered (the others still go out; their answers are "
                    + "not waited for)."),
            required("branches", new Spec.MapOf(COMPENSATE), "The branches by name, each a call or an event, all sent at once; "
                    + "vars.<as>.<branch> gets each call's answer.", null)
    );

    /** The kind keys of a step: exactly one per step. */
    public static final List<String> KINDS = List.of("call", "lookup", "emit", "wait", "signal", "delay", "until", "if", "switch", "set",
            "parallel", "escalate", "fail", "end");

    static final Spec.Obj STEP = object(
            required("id", string(), "The step's name, unique in the flow (jumps and the timeline use it).", "erp-hold"),
            optional("call", CALL, null, "Call a system operation through the durable delivery path (order, rate limits, retries, "
                    + "dead letters) and wait for its settlement; the answer body goes into vars.<as>."),
            optional("lookup", LOOKUP, null, "A synchronous GET (e.g. ERP stock); the answer goes into vars.<as> (null when not found)."),
            optional("emit", EMIT, null, "Emit a canonical event (routed to subscriptions and flows like any other)."),
            optional("wait", WAIT, null, "Wait for a correlated event; it goes into vars.<as>. An event that arrived before the wait "
                    + "started is kept (keepFor) and found."),
            optional("signal", SIGNAL, null, "Wait for a person's decision through the API; its data goes into vars.<as>."),
            optional("delay", duration(), null, "Wait this long."),
            optional("until", expression(), null, "Wait until this time (an RFC 3339 timestamp)." + EXPRESSIONS),
            optional("if", IF, null, "Branch."),
            optional("switch", SWITCH, null, "Branch several ways: the first case whose condition is true."),
            optional("set", new Spec.MapOf(expression()), null, "Set variables: name → expression." + EXPRESSIONS),
            optional("parallel", PARALLEL, null, "Several calls (or events) at once, joined: all, or any."),
            optional("escalate", ESCALATE, null, "Mark the instance escalated, with the reason (listed and counted), and go on."),
            optional("fail", FAIL, null, "Stop the instance as failed, with the reason."),
            optional("end", bool(), null, "End the instance as completed (write end: true)."),
            optional("as", string(), null, "The variable a call, lookup, wait or signal puts its result into (default: the step id)."),
            optional("next", string(), null, "The step after this one (default: the next in the list; after the last, the instance completes)."),
            optional("onError", string(), null, "The step to go to when this one fails (a dead call, a failed expression); vars.error "
                    + "holds {step, message}. Absent: the instance fails at this step, retriable through the API."),
            optional("compensate", COMPENSATE, null, "What undoes this step once it completed: run in reverse order when the instance is "
                    + "cancelled or fails at a later step without onError.")
    );

    public static final Spec.Obj FLOW = flow(listOf(STEP));

    /** A flow test file (tests/flows/NAME.yaml): cases run by `millwright test` against simulated systems. */
    public static final Spec.Obj TEST = object(
            required("flow", string(), "The flow under test (flows/<name>.yaml).", "nonconformance-to-capa"),
            optional("description", string(), null, "What these cases cover."),
            optional("xref", listOf(object(
                    required("entityType", oneOf("equipment", "asset", "material", "lot", "supplier", "workorder", "person"), "Entity type.", "material"),
                    required("canonicalId", string(), "Canonical id.", "PUMP-HOUSING-7"),
                    required("system", string(), "System.", "erp"),
                    required("localId", string(), "The system's id.", "4711-PH7")
            )), null, "Cross-reference entries for the cases (added to the plant's xref/ seed)."),
            required("cases", listOf(object(
                    required("name", string(), "What the case shows.", "the repair posts one goods issue per part"),
                    required("trigger", object(
                            optional("type", string(), null, "Event type (default: the trigger's type)."),
                            optional("source", string(), "test://flow-test", "Event source."),
                            optional("subject", string(), null, "Event subject."),
                            optional("extensions", new Spec.MapOf(string()), null, "Extension attributes (plant, correlationid, ...)."),
                            required("data", Spec.any(), "Event data.", null)
                    ), "The event that starts the instance.", null),
                    optional("answers", new Spec.MapOf(listOf(object(
                            optional("status", integer(100, 599), 200, "HTTP status."),
                            optional("body", Spec.any(), null, "Answer body (JSON).")
                    ))), null, "What each system answers, by \"system.operation\" (or \"system\" for its plain delivery): answers in turn, "
                            + "the last one repeating. Unlisted calls get 200 with {}. A 4xx other than 408/429 is a permanent refusal."),
                    optional("then", listOf(object(
                            optional("event", object(
                                    required("type", string(), "Event type.", "maintenance.workorder.completed"),
                                    optional("source", string(), "test://flow-test", "Event source."),
                                    optional("subject", string(), null, "Event subject."),
                                    optional("extensions", new Spec.MapOf(string()), null, "Extension attributes."),
                                    required("data", Spec.any(), "Event data.", null)
                            ), null, "An event arrives."),
                            optional("signal", object(
                                    required("name", string(), "Signal name.", "disposition"),
                                    optional("data", Spec.any(), null, "Its data.")
                            ), null, "A person sends a signal."),
                            optional("advance", duration(), null, "The flows' clock moves on this much (timers and timeouts due by then fire)."),
                            optional("cancel", bool(), null, "The instance is cancelled (compensations run)."),
                            optional("retry", bool(), null, "The failed step is retried.")
                    )), null, "What happens next, in order; after each, the instance settles (runs until it waits or ends)."),
                    required("expect", object(
                            optional("started", bool(), true, "Whether the trigger starts an instance (false: its condition keeps it "
                                    + "from starting, and no system is called)."),
                            optional("state", oneOf("running", "waiting", "compensating", "completed", "failed", "cancelled"), null, "The end state."),
                            optional("step", string(), null, "The step it ends at (waiting or failed)."),
                            optional("calls", listOf(object(
                                    required("system", string(), "System called.", "erp"),
                                    optional("operation", string(), null, "Operation called."),
                                    optional("body", Spec.any(), null, "What the body must contain (fields not given are not compared).")
                            )), null, "Every call made, in order."),
                            optional("vars", Spec.any(), null, "What the variables must contain (fields not given are not compared)."),
                            optional("error", string(), null, "Text the instance's error must contain."),
                            optional("escalation", string(), null, "Text the escalation must contain.")
                    ), "What must hold at the end.", null)
            )), "The cases.", null)
    );

    /** The file with its steps left unchecked, so each step is checked on its own and every step's errors are reported at once. */
    static final Spec.Obj SHELL = flow(Spec.any());

    private static Spec.Obj flow(Spec steps) {
        return object(
            required("name", string(), "The flow's name; matches the file name.", "nonconformance-to-capa"),
            optional("description", string(), null, "What the flow is for."),
            required("trigger", object(
                    required("on", string(), "The event type that starts an instance: exact, 'family.*' or '*'.", "quality.inspection.failed"),
                    optional("when", expression(), null, "A condition over the event; an event for which it is not true starts nothing."),
                    required("key", expression(), "The correlation key over the event (the NCR, the lot, the work order): one active instance "
                            + "per (flow, key).", "data.lot.id"),
                    optional("onActive", oneOf("ignore", "deliver"), "ignore", "A trigger for a key whose instance is still active: ignore "
                            + "(noted in that instance's timeline as a duplicate) or deliver (left to the instance's waits on this type, "
                            + "which every correlatable event reaches; a wait on the trigger type is then required).")
            ), "What starts an instance.", null),
            required("steps", steps, "The steps, run in order unless a step says otherwise.", null),
            optional("kpis", listOf(object(
                    required("name", string(), "The KPI's name (letters, digits, _), e.g. defect_to_hold.", "defect_to_hold"),
                    optional("description", string(), null, "What it measures, as people say it."),
                    optional("from", string(), "start", "Where the clock starts: start (the instance started) or a step id (that step completed)."),
                    required("to", string(), "Where it stops: a step id (that step completed) or end (the instance completed).", "hold-lot")
            )), null, "Business KPIs: durations between two points of each instance, reported by GET /api/v1/kpis and /metrics."),
            optional("onFailure", oneOf("hold", "compensate"), "hold", "When a step fails without onError (or a fail step runs): hold (the "
                    + "instance stops as failed at that step, retriable; cancelling it runs the compensations) or compensate (the completed "
                    + "steps' compensations run at once, newest first, and the instance ends failed).")
        );
    }
}
