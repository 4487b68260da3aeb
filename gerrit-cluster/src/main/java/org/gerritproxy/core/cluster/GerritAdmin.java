package org.gerritproxy.core.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A REST client for one Gerrit node, authenticated with HTTP basic auth under {@code /a/}.
 * Answers are JSON with Gerrit's {@code )]}'} prefix stripped; error statuses throw
 * {@link GerritRestException}.
 */
public final class GerritAdmin {
    /** The administrator that {@code init --dev} creates (account 1000000). */
    public static final String ADMIN_USER = "admin";
    public static final String ADMIN_PASSWORD = "secret";

    private static final String XSSI_PREFIX = ")]}'";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI node;
    private final String user;
    private final String authorization;

    /** @param node the node's base URL, e.g. {@code http://127.0.0.1:8081} */
    public GerritAdmin(URI node, String user, String httpPassword) {
        this.node = node;
        this.user = user;
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + httpPassword).getBytes(StandardCharsets.UTF_8));
    }

    /** As the administrator {@code admin} / {@code secret}. */
    public static GerritAdmin asAdmin(URI node) {
        return new GerritAdmin(node, ADMIN_USER, ADMIN_PASSWORD);
    }

    public URI node() {
        return node;
    }

    public String user() {
        return user;
    }

    /** @param path below {@code /a/}, e.g. {@code accounts/self} or {@code /projects/?d} */
    public JsonNode getJson(String path) {
        return send("GET", path, BodyPublishers.noBody(), null);
    }

    /** @param body null for none, a String is sent as text/plain, anything else as JSON */
    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    public JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, BodyPublishers.noBody(), null);
    }

    /** True if GET answers 2xx, false if 404. */
    public boolean exists(String path) {
        try {
            getJson(path);
            return true;
        } catch (GerritRestException e) {
            if (e.status() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Creates a project with an empty initial commit on {@code refs/heads/master}. */
    public JsonNode createProject(String name) {
        return put("projects/" + encode(name), Map.of("create_empty_commit", true));
    }

    public boolean projectExists(String name) {
        return exists("projects/" + encode(name));
    }

    /** Creates an account {@code username} with the e-mail {@code username@example.com}. */
    public JsonNode createUser(String username, String httpPassword) {
        return createUser(username, httpPassword, null);
    }

    /** @param sshPublicKey an OpenSSH public key line ({@code ssh-ed25519 AAAA… comment}), or null */
    public JsonNode createUser(String username, String httpPassword, String sshPublicKey) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("name", username);
        input.put("email", username + "@example.com");
        input.put("http_password", httpPassword);
        if (sshPublicKey != null) {
            input.put("ssh_key", sshPublicKey.strip());
        }
        return put("accounts/" + encode(username), input);
    }

    public JsonNode addSshKey(String username, String sshPublicKey) {
        return post("accounts/" + encode(username) + "/sshkeys", sshPublicKey.strip());
    }

    /**
     * Votes Code-Review +2 on the current revision.
     *
     * @param change a change identifier Gerrit accepts; {@code project~number} resolves on every
     *     node, a bare Change-Id only on a node whose index has the change
     */
    public JsonNode approve(String change) {
        return post("changes/" + change + "/revisions/current/review", Map.of("labels", Map.of("Code-Review", 2)));
    }

    public JsonNode submit(String change) {
        return post("changes/" + change + "/submit", null);
    }

    /** Empties one of the node's caches, e.g. {@code sshkeys} or {@code project_list}. */
    public void flushCache(String cache) {
        post("config/server/caches/" + encode(cache) + "/flush", null);
    }

    /** Encodes one path segment: a project name {@code a/b} becomes {@code a%2Fb}. */
    public static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, Object body) {
        if (body == null) {
            return send(method, path, BodyPublishers.noBody(), null);
        }
        if (body instanceof String text) {
            return send(method, path, BodyPublishers.ofString(text, StandardCharsets.UTF_8), "text/plain; charset=UTF-8");
        }
        try {
            return send(method, path, BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)), "application/json");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot write the request body as JSON: " + body, e);
        }
    }

    private JsonNode send(String method, String path, BodyPublisher body, String contentType) {
        String base = node.toString().endsWith("/") ? node.toString() : node + "/";
        URI uri = URI.create(base + "a/" + (path.startsWith("/") ? path.substring(1) : path));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .method(method, body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response;
        try {
            response = HTTP.send(request.build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during " + method + " " + uri, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new GerritRestException(method, uri, response.statusCode(), response.body());
        }
        return parse(response.body());
    }

    private static JsonNode parse(String body) {
        String json = body.startsWith(XSSI_PREFIX) ? body.substring(XSSI_PREFIX.length()) : body;
        if (json.isBlank()) {
            return NullNode.getInstance();
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(body);
        }
    }
}
