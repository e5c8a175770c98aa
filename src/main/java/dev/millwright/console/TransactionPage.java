package dev.millwright.console;

import dev.millwright.api.Caller;
import dev.millwright.operations.Transactions;
import io.javalin.http.Context;

/** A business transaction by any of its keys: one timeline across systems, with the fixes on the same page. */
public final class TransactionPage {
    /** @param timeline null: nothing searched yet, or nothing found under {@code key} */
    public record View(Page page, String key, Transactions.Timeline timeline) {
    }

    private final Console console;
    private final Transactions transactions;

    TransactionPage(Console console, Transactions transactions) {
        this.console = console;
        this.transactions = transactions;
    }

    void show(Context ctx) {
        String key = ctx.queryParam("key");
        key = key == null ? null : key.strip();
        Transactions.Timeline t = key == null || key.isEmpty() ? null : transactions.find(key, Caller.plants(ctx)).orElse(null);
        console.render(ctx, key != null && !key.isEmpty() && t == null ? 404 : 200, "console/transaction.jte",
                new View(console.page(ctx, "transactions", key == null ? "Transactions" : "Transaction " + key), key, t));
    }
}
