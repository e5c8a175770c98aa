package dev.millwright.console;

import dev.millwright.api.Access;
import dev.millwright.api.ApiServer;
import dev.millwright.api.Auth;
import dev.millwright.api.Caller;
import dev.millwright.security.Permission;
import dev.millwright.security.Principal;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The operations console at /console: server-rendered pages over the same services the API uses, signed in with the
 * same identities (an API token or an identity provider's JWT, kept in an HttpOnly, SameSite=Strict cookie and checked
 * on every request, so a revoked token or an expired JWT ends the session at once). Every route carries the same
 * {@link Access} rule its API counterpart has; controls a principal may not use are not drawn.
 */
public final class Console {
    static final String COOKIE = "millwright_session";
    private static final String HTMX = "/META-INF/resources/webjars/htmx.org/2.0.8/dist/htmx.min.js";

    private final Auth auth;
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
    private final List<ApiServer.Route> routes;
    private final byte[] htmx = resource(HTMX), css = resource("/console/console.css");

    public Console(ApiServer.Deps d) {
        this.auth = d.auth();
        var overview = new OverviewPage(this, d);
        var transactions = new TransactionPage(this, new dev.millwright.operations.Transactions(d.events(), d.deliveries(), d.flows(), d.alerts(), d.db().dataSource()));
        var failures = new FailuresPage(this, d);
        var flows = new FlowsPage(this, d.flows());
        var xref = new XrefPage(this, d.xref(), d.valueMaps());
        var audit = new AuditPage(this, d.db().dataSource());
        var alerts = new AlertsPage(this, d.alerts(), d.alertRules(), d.clock());
        Permission read = Permission.READ, operate = Permission.OPERATE, integrate = Permission.INTEGRATE;
        List<ApiServer.Route> r = new ArrayList<>(List.of(
                new ApiServer.Route("GET", "/", Access.OPEN, ctx -> ctx.redirect("/console")),
                new ApiServer.Route("GET", "/console/assets/htmx.min.js", Access.OPEN, ctx -> asset(ctx, "text/javascript", htmx)),
                new ApiServer.Route("GET", "/console/assets/console.css", Access.OPEN, ctx -> asset(ctx, "text/css", css)),
                new ApiServer.Route("GET", "/console/sign-in", Access.OPEN, this::signInForm),
                new ApiServer.Route("POST", "/console/sign-in", Access.OPEN, this::signIn),
                new ApiServer.Route("POST", "/console/sign-out", Access.OPEN, this::signOut),
                new ApiServer.Route("GET", "/console", Access.plant(read), overview::show),
                new ApiServer.Route("GET", "/console/overview/live", Access.plant(read), overview::live),
                new ApiServer.Route("GET", "/console/transactions", Access.plant(read), transactions::show),
                new ApiServer.Route("GET", "/console/failures", Access.plant(read), failures::list),
                new ApiServer.Route("POST", "/console/failures/retry", Access.plant(operate), failures::retryMatching),
                new ApiServer.Route("GET", "/console/retry-batches/{id}", Access.plant(read), failures::batch),
                new ApiServer.Route("GET", "/console/deliveries/{id}", Access.plant(read), failures::delivery),
                new ApiServer.Route("POST", "/console/deliveries/{id}/retry", Access.plant(operate), failures::retry),
                new ApiServer.Route("POST", "/console/deliveries/{id}/payload", Access.plant(operate), failures::editPayload),
                new ApiServer.Route("GET", "/console/replays", Access.plant(read), failures::replayForm),
                new ApiServer.Route("POST", "/console/replays", Access.plant(operate), failures::replay),
                new ApiServer.Route("GET", "/console/flows", Access.plant(read), flows::list),
                new ApiServer.Route("GET", "/console/flows/instances/{id}", Access.plant(read), flows::instance),
                new ApiServer.Route("POST", "/console/flows/instances/{id}/signal", Access.plant(operate), flows::signal),
                new ApiServer.Route("POST", "/console/flows/instances/{id}/retry-step", Access.plant(operate), flows::retry),
                new ApiServer.Route("POST", "/console/flows/instances/{id}/cancel", Access.plant(operate), flows::cancel),
                new ApiServer.Route("GET", "/console/xref", Access.plant(read), xref::browse),
                new ApiServer.Route("GET", "/console/xref/{entityType}/{canonicalId}", Access.plant(read), xref::entity),
                new ApiServer.Route("POST", "/console/xref/{entityType}/{canonicalId}", Access.plant(integrate), xref::put),
                new ApiServer.Route("POST", "/console/xref-import", Access.plant(integrate), xref::importCsv),
                new ApiServer.Route("GET", "/console/audit", Access.hub(read), audit::show),
                new ApiServer.Route("GET", "/console/alerts", Access.plant(read), alerts::list),
                new ApiServer.Route("POST", "/console/alerts/{id}/acknowledge", Access.plant(operate), alerts::acknowledge),
                new ApiServer.Route("POST", "/console/alert-silences", Access.hub(operate), alerts::silence),
                new ApiServer.Route("POST", "/console/alert-silences/{id}/lift", Access.hub(operate), alerts::lift)));
        this.routes = List.copyOf(r);
    }

    public List<ApiServer.Route> routes() {
        return routes;
    }

    /**
     * The route's handler behind the session check: no session → the sign-in page (for a page) or 401; a principal
     * without the route's permission → 403. A form post must come from the console's own origin (the cookie is
     * SameSite=Strict too), so another site cannot make a signed-in browser act.
     */
    public Handler guard(ApiServer.Route route) {
        return ctx -> {
            if (!"GET".equals(route.method()) && !sameOrigin(ctx)) {
                throw new ConsoleException(403, "Forbidden", "this form was not sent from the console's own page");
            }
            String credential = ctx.cookie(COOKIE);
            if (credential != null) credential = java.net.URLDecoder.decode(credential, StandardCharsets.UTF_8);
            switch (auth.decide(ctx, route.access(), credential == null || credential.isBlank() ? null : credential)) {
                case Auth.Admitted a -> route.handler().handle(ctx);
                case Auth.Refused r when r.status() == 401 && "GET".equals(route.method()) -> {
                    if (r.credential()) ctx.removeCookie(COOKIE, "/console");
                    ctx.redirect("/console/sign-in?next=" + URLEncoder.encode(ctx.fullUrl().substring(ctx.fullUrl().indexOf("/console")),
                            StandardCharsets.UTF_8) + (r.credential() ? "&expired=1" : ""));
                }
                case Auth.Refused r -> {
                    if (r.status() == 429) ctx.header("Retry-After", Long.toString(r.retryAfter()));
                    throw new ConsoleException(r.status(), r.title(), r.detail());
                }
            }
        };
    }

    private static boolean sameOrigin(Context ctx) {
        String origin = ctx.header("Origin");
        String site = ctx.header("Sec-Fetch-Site");
        if (origin == null) return site == null || "same-origin".equals(site);
        String host = ctx.header("Host");
        return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }

    private void signInForm(Context ctx) {
        render(ctx, 200, "console/sign-in.jte", new SignIn(safeNext(ctx.queryParam("next")), ctx.queryParam("expired") != null
                ? "Your session ended (the token was revoked or has expired): sign in again." : null));
    }

    /** The form's token is checked like a bearer token; accepted, it becomes the session cookie. */
    private void signIn(Context ctx) {
        if (!sameOrigin(ctx)) throw new ConsoleException(403, "Forbidden", "this form was not sent from the console's own page");
        String token = ctx.formParam("token");
        String next = safeNext(ctx.formParam("next"));
        Auth.Admission a = auth.decide(ctx, Access.plant(Permission.READ), token == null || token.isBlank() ? null : token.strip());
        if (a instanceof Auth.Refused r) {
            render(ctx, r.status() == 429 ? 429 : 401, "console/sign-in.jte", new SignIn(next, r.status() == 403
                    ? "This identity may not read anything here (" + r.detail() + ")." : r.detail()));
            return;
        }
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + URLEncoder.encode(token.strip(), StandardCharsets.UTF_8) + "; Path=/console; HttpOnly; SameSite=Strict"
                + ("https".equals(ctx.scheme()) ? "; Secure" : ""));
        ctx.redirect(next);
    }

    private void signOut(Context ctx) {
        ctx.res().addHeader("Set-Cookie", COOKIE + "=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict");
        ctx.redirect("/console/sign-in");
    }

    /** Only a path inside the console: a sign-in link cannot send a browser elsewhere. */
    private static String safeNext(String next) {
        return next != null && next.startsWith("/console") && !next.startsWith("/console/sign-") && !next.contains("//") && !next.contains("\\")
                ? next : "/console";
    }

    public record SignIn(String next, String problem) {
    }

    /** What every page's frame shows: who is signed in and which controls to draw. */
    Page page(Context ctx, String section, String title) {
        Principal p = Caller.principal(ctx);
        return new Page(section, title, p.actor(), String.join(", ", p.roles().stream().map(Enum::name).sorted().toList()),
                p.plants().all() ? "every plant" : String.join(", ", p.plants().patterns()), p.can(Permission.OPERATE),
                p.can(Permission.INTEGRATE), p.plants().all(), ctx.queryParam("notice"));
    }

    void render(Context ctx, int status, String template, Object model) {
        StringOutput out = new StringOutput();
        templates.render(template, model, out);
        ctx.status(status).contentType("text/html; charset=utf-8").header("Cache-Control", "no-store").result(out.toString());
    }

    /** An error as a page (the API's answer is problem+json; the console's is readable). */
    public void error(Context ctx, int status, String title, String detail) {
        Page page = Caller.signedIn(ctx) == null ? null : page(ctx, "", title);
        render(ctx, status, "console/error.jte", new ErrorView(page, status, title, detail));
    }

    public record ErrorView(Page page, int status, String title, String detail) {
    }

    /** After a form post: back to a page, with what was done. */
    static void redirect(Context ctx, String path, String notice) {
        ctx.redirect(path + (path.contains("?") ? "&" : "?") + "notice=" + URLEncoder.encode(notice, StandardCharsets.UTF_8), io.javalin.http.HttpStatus.SEE_OTHER);
    }

    private static void asset(Context ctx, String type, byte[] body) {
        ctx.contentType(type).header("Cache-Control", "max-age=3600").result(body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Console.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }
}
