package org.gerritproxy.core.cluster;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One event in a node's {@code logs/sshd_log}: a login, a failed authentication, a logout, or a
 * command. Gerrit 3.10 writes, for example:
 * <pre>
 * [2026-11-25T04:34:19.527Z] 71696823 [sshd-SshDaemon[7edab945](port=22)-nio2-thread-1] alice a/1000001 LOGIN FROM 127.0.0.1
 * [2026-11-25T04:34:19.556Z] 71696823 [SSH gerrit version  (alice)] alice a/1000001 gerrit.version 8ms 6ms - 0 - 5ms 0ms 455888
 * [2026-11-25T04:34:15.485Z] 315f7076 [SSHD] alice - AUTH FAILURE FROM 127.0.0.1 - - - key-list-empty - - - -
 * [2026-12-02T11:02:56.158Z] 67a56d02 [SshCommandDestroy-0] 'Gerrit Code Review' - suexec.--as.alice.--from.127.0.0.1:59388.--.git-receive-pack./p 0ms 280ms - killed - …
 * </pre>
 * A user name with spaces is quoted (the proxy's peer user); its quotes are not part of
 * {@link #user()}. A command the proxy ran for a user with {@code suexec} is logged under the peer
 * user or under the user, depending on Gerrit's timing: {@link #actsFor} accepts both.
 *
 * @param session the SSH session id, shared by the lines of one connection
 * @param account the account, e.g. {@code a/1000001}, or null before authentication
 * @param message the rest of the line: {@code LOGIN FROM …}, {@code AUTH FAILURE …}, {@code LOGOUT},
 *     or the command with its arguments joined by dots followed by timings and its exit status
 */
public record SshdLogEntry(Instant time, String session, String thread, String user, String account,
        String message, String line) {

    private static final Pattern LINE =
            Pattern.compile("^\\[([^\\]]+)\\] (\\S+) \\[(.*?)\\] ('[^']*'|\\S+) (\\S+) ?(.*)$");

    /** The entry on this line, or null when the line is not an sshd_log entry. */
    public static SshdLogEntry parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return null;
        }
        Instant time;
        try {
            time = OffsetDateTime.parse(m.group(1)).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
        String account = m.group(5).equals("-") ? null : m.group(5);
        String user = m.group(4).startsWith("'") ? m.group(4).substring(1, m.group(4).length() - 1)
                : m.group(4);
        return new SshdLogEntry(time, m.group(2), m.group(3), user, account, m.group(6), line);
    }

    /** The first word of the message: {@code LOGIN}, {@code AUTH}, {@code LOGOUT}, or e.g. {@code gerrit.version}. */
    public String command() {
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }

    /**
     * Whether this line is {@code user}'s: logged under that user, or a {@code suexec --as user}
     * run by the proxy's peer user (Gerrit logs it under either).
     */
    public boolean actsFor(String user) {
        return user.equals(this.user) || message.startsWith("suexec.--as." + user + ".");
    }
}
