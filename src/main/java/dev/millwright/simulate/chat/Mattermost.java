package dev.millwright.simulate.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;
import dev.millwright.simulate.SimServer;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A team chat shaped like Mattermost's REST API v4, self-hosted as plants often run it: a bot posts with its personal
 * access token ({@code POST /api/v4/posts} with channel_id and message, 201 with the post), posts are read back per
 * channel ({@code GET /api/v4/channels/{id}/posts}). An unknown channel is 403 (the bot is not a member), as Mattermost
 * answers; errors are {"id","message","status_code"}.
 */
public final class Mattermost extends SimServer {
    private final String botToken;
    private final Clock clock;
    private final Set<String> channels;
    private final Map<String, ObjectNode> posts = new LinkedHashMap<>();
    private long nextPost = 1;

    public Mattermost(int port, String botToken, Set<String> channels, Clock clock) throws IOException {
        super("chat", port);
        this.botToken = botToken;
        this.channels = Set.copyOf(channels);
        this.clock = clock;
        route("POST", "/api/v4/posts", this::post);
        route("GET", "/api/v4/channels/([a-z0-9-]+)/posts", this::channelPosts);
    }

    private void authorize(Request r) {
        if (!("Bearer " + botToken).equals(r.header("Authorization"))) {
            throw new Refusal(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.");
        }
    }

    private void member(String channel) {
        if (!channels.contains(channel)) throw new Refusal(403, "api.context.permissions.app_error", "You do not have the appropriate permissions (channel " + channel + ").");
    }

    private synchronized Response post(Request r) {
        authorize(r);
        JsonNode body = r.json();
        String channel = text(body, "channel_id");
        String message = text(body, "message");
        member(channel);
        String id = String.format("p%06d", nextPost++);
        ObjectNode post = Json.MAPPER.createObjectNode().put("id", id).put("channel_id", channel).put("message", message)
                .put("create_at", clock.millis()).put("user_id", "millwright-bot");
        if (body.has("props")) post.set("props", body.get("props"));
        posts.put(id, post);
        return Response.json(201, post);
    }

    private synchronized Response channelPosts(Request r) {
        authorize(r);
        member(r.group(1));
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode order = out.putArray("order");
        ObjectNode byId = out.putObject("posts");
        List<ObjectNode> newestFirst = new ArrayList<>(posts.values());
        java.util.Collections.reverse(newestFirst);
        for (ObjectNode p : newestFirst) {
            if (!p.path("channel_id").asText().equals(r.group(1))) continue;
            order.add(p.get("id").asText());
            byId.set(p.get("id").asText(), p);
        }
        return Response.json(200, out);
    }

    /** Every post, oldest first. */
    @Override
    public synchronized ObjectNode state() {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.putArray("posts").addAll(posts.values());
        s.putObject("counters").put("post", nextPost);
        return s;
    }

    @Override
    protected synchronized void restore(ObjectNode s) {
        restoreInto(posts, s.path("posts"), "id");
        nextPost = s.path("counters").path("post").asLong(nextPost);
    }

    @Override
    protected Response error(int status, String code, String message) {
        return Response.json(status, Json.MAPPER.createObjectNode().put("id", code).put("message", message).put("status_code", status));
    }
}
