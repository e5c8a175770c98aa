package dev.millwright.console;

import dev.millwright.store.AuditStore;
import dev.millwright.store.Jdbc;
import io.javalin.http.Context;

import javax.sql.DataSource;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/** The audit trail, filtered, newest first and paged by key, with the hash chain's verification. */
public final class AuditPage {
    private static final int PAGE = 100;

    public record View(Page page, String actor, String action, String from, String to, List<AuditStore.Entry> entries, Long next,
                AuditStore.Verification chain) {
    }

    private final Console console;
    private final DataSource ds;

    AuditPage(Console console, DataSource ds) {
        this.console = console;
        this.ds = ds;
    }

    void show(Context ctx) {
        String actor = Form.blank(ctx.queryParam("actor")), action = Form.blank(ctx.queryParam("action")), from = Form.blank(ctx.queryParam("from")),
                to = Form.blank(ctx.queryParam("to"));
        String beforeText = ctx.queryParam("before");
        long before = beforeText == null || beforeText.isBlank() ? Long.MAX_VALUE : Form.number(beforeText);
        Instant fromT, toT;
        try {
            fromT = from == null ? null : Instant.parse(from);
            toT = to == null ? null : Instant.parse(to);
        } catch (DateTimeParseException e) {
            throw ConsoleException.badRequest("from and to are times such as 2026-12-01T08:00:00Z");
        }
        List<AuditStore.Entry> entries = Jdbc.withConnection(ds, c -> AuditStore.newest(c, actor, action, fromT, toT, before, PAGE));
        // The chain is walked on request only: it reads every entry.
        AuditStore.Verification chain = ctx.queryParam("verify") == null ? null : Jdbc.withConnection(ds, AuditStore::verify);
        console.render(ctx, 200, "console/audit.jte", new View(console.page(ctx, "audit", "Audit trail"), actor, action, from, to, entries,
                entries.size() == PAGE ? entries.getLast().id() : null, chain));
    }

}
