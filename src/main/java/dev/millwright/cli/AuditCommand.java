package dev.millwright.cli;

import dev.millwright.store.AuditStore;
import dev.millwright.store.Jdbc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** The audit trail from the hub's database: verify its hash chain, or export it as JSON lines. */
@Command(name = "audit", description = "Verify the audit trail's hash chain (verify) or export it as JSON lines (export). Reads the hub's "
        + "database: MILLWRIGHT_DB_URL, or the embedded one in MILLWRIGHT_DATA_DIR when no hub holds it.")
final class AuditCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "verify or export")
    String what;

    @Override
    public Integer call() throws Exception {
        if (!what.equals("verify") && !what.equals("export")) {
            System.err.println("unknown audit command '" + what + "' (verify, export)");
            return 2;
        }
        try (Environment.Store store = Environment.openStore()) {
            if (what.equals("verify")) {
                AuditStore.Verification v = Jdbc.withConnection(store.db().dataSource(), AuditStore::verify);
                if (v.intact()) {
                    System.out.println("audit trail intact: " + v.entries() + " entries" + (v.headHash() == null ? "" : "; head sha256 " + v.headHash()));
                    return 0;
                }
                System.out.println("audit trail broken at entry " + v.brokenAt() + ": " + v.problem());
                return 1;
            }
            long after = 0;
            while (true) {
                long from = after;
                List<AuditStore.Entry> page = Jdbc.withConnection(store.db().dataSource(), c -> AuditStore.search(c, null, null, null, null, from, 1000));
                for (AuditStore.Entry e : page) System.out.println(dev.millwright.event.Json.MAPPER.valueToTree(e.view()));
                if (page.size() < 1000) return 0;
                after = page.getLast().id();
            }
        }
    }
}
