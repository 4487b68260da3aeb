package org.gerritproxy.core.cluster;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One request in a node's {@code logs/httpd_log}. Gerrit 3.10 writes, for example:
 * <pre>
 * 127.0.0.1 [HTTP-53] - admin [2026-11-25T04:34:06.612Z] "POST /a/demo/git-receive-pack HTTP/1.1" 200 129 96 - "git/2.39.5" 32 20 1817848 -
 * </pre>
 * that is: client, [thread], identd (always -), user (- when anonymous), [time], "method
 * resource protocol", status, response length, latency in ms, referer, "user agent", CPU ms total
 * and user, bytes allocated, and the git command status.
 *
 * @param user the authenticated user, or null for an anonymous request
 * @param resource the request target as sent, query string included
 * @param latencyMillis -1 when the line has none
 */
public record HttpdLogEntry(String client, String thread, String user, Instant time, String method,
        String resource, String protocol, int status, long latencyMillis, String line) {

    private static final Pattern LINE = Pattern.compile(
            "^(\\S+) \\[([^\\]]*)\\] \\S+ (\\S+) \\[([^\\]]+)\\] \"(\\S+) (\\S+) ([^\"]*)\" (\\d{3})(?: \\S+ (\\d+))?.*$");

    /** The entry on this line, or null when the line is not a request entry. */
    public static HttpdLogEntry parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return null;
        }
        Instant time;
        try {
            time = OffsetDateTime.parse(m.group(4)).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
        String user = m.group(3).equals("-") ? null : m.group(3);
        long latency = m.group(9) == null ? -1 : Long.parseLong(m.group(9));
        return new HttpdLogEntry(m.group(1), m.group(2), user, time, m.group(5), m.group(6), m.group(7),
                Integer.parseInt(m.group(8)), latency, line);
    }

    /** The resource without its query string, e.g. {@code /a/demo/info/refs}. */
    public String path() {
        int query = resource.indexOf('?');
        return query < 0 ? resource : resource.substring(0, query);
    }

    /** The query string without the {@code ?}, or the empty string. */
    public String query() {
        int query = resource.indexOf('?');
        return query < 0 ? "" : resource.substring(query + 1);
    }

    private static final Pattern LENGTH = Pattern.compile("\" \\d{3} (\\d+) ");

    /** The response length Gerrit logged, or -1 when the line has none. */
    public long responseLength() {
        Matcher m = LENGTH.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    public boolean isAnonymous() {
        return user == null;
    }
}
