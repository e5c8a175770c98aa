package dev.millwright.cli;

import dev.millwright.security.PlantScope;
import dev.millwright.security.Role;
import dev.millwright.store.Actor;
import dev.millwright.store.TokenStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** API tokens in the hub's database: create (the secret is printed once), list, revoke. Every change is audited. */
@Command(name = "token", description = "Create, list and revoke API tokens. Works on the hub's database: MILLWRIGHT_DB_URL, or the "
        + "embedded one in MILLWRIGHT_DATA_DIR when no hub holds it.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("say what to do: token create NAME --role R --plant P | token list | token revoke NAME");
        return 2;
    }

    private static Actor actor() {
        return new Actor("cli:" + System.getProperty("user.name", "unknown"), "local");
    }

    @Command(name = "create", description = "Create a token; its secret is printed once and stored only as a hash.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", description = "The token's name (letters, digits, . _ @ -).")
        String name;
        @Option(names = "--role", required = true, split = ",", description = "viewer, operator, integrator, admin or producer (repeat or comma-separate).")
        List<String> roles;
        @Option(names = "--plant", required = true, split = ",", description = "Plants it may see: exact, a subtree (acme/*) or * for every plant.")
        List<String> plants;
        @Option(names = "--source", split = ",", description = "For a producer: CloudEvents sources it may send under (a trailing * matches a prefix).")
        List<String> sources;
        @Option(names = "--expires-in", description = "Lifetime, e.g. 90d or 12h (default: no expiry).")
        String expiresIn;

        @Override
        public Integer call() throws Exception {
            List<String> problems = new ArrayList<>();
            for (String r : roles) {
                try {
                    Role.parse(r);
                } catch (IllegalArgumentException e) {
                    problems.add("--role: " + e.getMessage());
                }
            }
            for (String p : plants) {
                String why = PlantScope.problem(p);
                if (why != null) problems.add("--plant: " + why);
            }
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")) problems.add("name: letters, digits, '.', '_', '@', '-' (at most 100)");
            Instant expires = null;
            if (expiresIn != null) {
                java.time.Duration d = dev.millwright.config.spec.Durations.parse(expiresIn);
                if (d == null || d.isZero() || d.isNegative()) problems.add("--expires-in: '" + expiresIn + "' is not a duration (90d, 12h)");
                else expires = Instant.now().plus(d);
            }
            if (!problems.isEmpty()) {
                problems.forEach(System.err::println);
                return 2;
            }
            try (Environment.Store store = Environment.openStore()) {
                var created = new TokenStore(store.db().dataSource()).create(name, roles.stream().map(r -> Role.parse(r).name()).toList(),
                        plants, sources, expires, actor());
                if (created.isEmpty()) {
                    System.err.println("a live token is already named '" + name + "'; revoke it first");
                    return 1;
                }
                System.out.println(created.get().secret());
                System.err.println("token '" + name + "' created (roles " + String.join(",", roles) + "; plants " + String.join(",", plants)
                        + (expires == null ? "" : "; expires " + expires) + "). The secret above is shown this once.");
                return 0;
            }
        }
    }

    @Command(name = "list", description = "List tokens (never their secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Option(names = "--revoked", description = "Include revoked tokens.")
        boolean revoked;

        @Override
        public Integer call() throws Exception {
            try (Environment.Store store = Environment.openStore()) {
                for (TokenStore.Token t : new TokenStore(store.db().dataSource()).list(revoked)) {
                    System.out.println(dev.millwright.event.Json.MAPPER.valueToTree(t.view()));
                }
                return 0;
            }
        }
    }

    @Command(name = "revoke", description = "Revoke a token; it stops working within seconds on every node.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(index = "0", description = "The token's name.")
        String name;

        @Override
        public Integer call() throws Exception {
            try (Environment.Store store = Environment.openStore()) {
                if (new TokenStore(store.db().dataSource()).revoke(name, actor()).isEmpty()) {
                    System.err.println("no live token named '" + name + "'");
                    return 1;
                }
                System.out.println("token '" + name + "' revoked");
                return 0;
            }
        }
    }
}
