package dev.millwright.api;

import dev.millwright.store.AuditStore;
import dev.millwright.store.Jdbc;
import io.javalin.http.Context;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The audit trail: read with filters (JSON, or JSON lines for export), and the chain's verification. No route changes it. */
final class AuditApi {
    private final DataSource ds;

    AuditApi(DataSource ds) {
        this.ds = ds;
    }

    void search(Context ctx) {
        Params p = new Params(ctx);
        String actor = p.text("actor"), action = p.text("action");
        var from = p.instant("from");
        var to = p.instant("to");
        long after = p.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = (int) p.longValue("limit", 100, 1, 10_000);
        String format = p.parsed("format", f -> {
            if (!f.equals("json") && !f.equals("jsonl")) throw new IllegalArgumentException("must be json or jsonl");
            return f;
        });
        p.check();
        List<AuditStore.Entry> entries = Jdbc.withConnection(ds, c -> AuditStore.search(c, actor, action, from, to, after, limit));
        List<Map<String, Object>> items = new ArrayList<>();
        entries.forEach(e -> items.add(e.view()));
        if ("jsonl".equals(format)) {
            StringBuilder lines = new StringBuilder();
            for (Map<String, Object> item : items) lines.append(dev.millwright.event.Json.MAPPER.valueToTree(item).toString()).append('\n');
            ctx.contentType("application/jsonl").result(lines.toString());
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", items);
        out.put("next", entries.size() == limit ? entries.getLast().id() : null);
        JsonBody.send(ctx, 200, out);
    }

    void verify(Context ctx) {
        AuditStore.Verification v = Jdbc.withConnection(ds, AuditStore::verify);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("intact", v.intact());
        out.put("entries", v.entries());
        out.put("headHash", v.headHash());
        out.put("brokenAt", v.brokenAt());
        out.put("problem", v.problem());
        JsonBody.send(ctx, 200, out);
    }
}
