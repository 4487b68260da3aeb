package org.gerritproxy.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gerritproxy.core.cluster.GitCli.git;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The shared two-node cluster behaves as the proxy's tests assume: one set of repositories and accounts, two servers. */
@ExtendWith(GerritClusterExtension.class)
class GerritClusterTest {
    private static final Duration LOG_WAIT = Duration.ofSeconds(10);

    private final GerritCluster cluster;
    private final GerritNode first;
    private final GerritNode second;

    @TempDir
    Path tmp;

    GerritClusterTest(GerritCluster cluster) {
        this.cluster = cluster;
        this.first = cluster.node(1);
        this.second = cluster.node(2);
    }

    @Test
    void bothNodesRunOnTheirOwnLoopbackPorts() {
        assertThat(cluster.nodes()).extracting(GerritNode::name).containsExactly("gerrit-1", "gerrit-2");
        assertThat(cluster.nodes()).allMatch(GerritNode::isRunning);
        assertThat(List.of(first.httpPort(), first.sshPort(), second.httpPort(), second.sshPort())).doesNotHaveDuplicates();
        for (GerritNode node : cluster.nodes()) {
            assertThat(node.admin().getJson("config/server/version").asText()).isEqualTo("(dev)");
            assertThat(node.canonicalWebUrl()).isEqualTo(node.httpUrl().resolve("/"));
        }
    }

    @Test
    void projectCreatedThroughOneNodeIsServedByBoth() throws Exception {
        String project = unique("shared");
        first.admin().createProject(project);

        assertThat(second.admin().projectExists(project)).isTrue();
        String viaFirst = git(tmp, "ls-remote", first.httpUrl() + "/" + project);
        String viaSecond = git(tmp, "ls-remote", second.httpUrl() + "/" + project);
        assertThat(viaFirst).contains("refs/heads/master").isEqualTo(viaSecond);
    }

    @Test
    void newProjectIsMissingFromTheOtherNodesListUntilItsCacheIsFlushed() {
        String project = unique("listed");
        second.admin().getJson("projects/"); // fills node 2's project_list cache
        first.admin().createProject(project);

        assertThat(second.admin().getJson("projects/").has(project)).isFalse();
        cluster.flushCaches("project_list");
        assertThat(second.admin().getJson("projects/").has(project)).isTrue();
    }

    @Test
    void userCreatedOnOneNodeLogsInOnTheOther() {
        String user = unique("user");
        first.admin().createUser(user, "pw-" + user);

        JsonNode self = new GerritAdmin(second.httpUrl(), user, "pw-" + user).getJson("accounts/self");
        assertThat(self.get("username").asText()).isEqualTo(user);
        assertThatThrownBy(() -> new GerritAdmin(second.httpUrl(), user, "wrong").getJson("accounts/self"))
                .isInstanceOfSatisfying(GerritRestException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void requestIsRecordedOnlyInTheLogOfTheNodeThatServedIt() {
        for (GerritNode served : cluster.nodes()) {
            GerritNode other = served == first ? second : first;
            LogMark servedMark = served.httpdLog().mark();
            LogMark otherMark = other.httpdLog().mark();
            String missing = unique("absent");

            assertThat(served.admin().projectExists(missing)).isFalse();

            HttpdLogEntry entry = served.httpdLog().await(servedMark, e -> e.path().contains(missing), LOG_WAIT);
            assertThat(entry.method()).isEqualTo("GET");
            assertThat(entry.path()).isEqualTo("/a/projects/" + missing);
            assertThat(entry.status()).isEqualTo(404);
            assertThat(entry.user()).isEqualTo("admin");
            assertThat(other.httpdLog().since(otherMark)).noneMatch(e -> e.path().contains(missing));
        }
    }

    @Test
    void adminPushesOverHttpToABranchAndForReview() throws Exception {
        String project = unique("push");
        first.admin().createProject(project);
        Path work = cloneAsAdmin(second, project);
        LogMark firstMark = first.httpdLog().mark();
        LogMark secondMark = second.httpdLog().mark();

        commit(work, "direct.txt", "Pushed straight to master", false);
        git(work, "push", "origin", "HEAD:refs/heads/master");
        String head = git(work, "rev-parse", "HEAD").strip();
        commit(work, "review.txt", "Pushed for review", true);
        String review = git(work, "push", "origin", "HEAD:refs/for/master");

        assertThat(review).contains("/c/" + project + "/+/");
        assertThat(git(tmp, "ls-remote", first.httpUrl() + "/" + project, "refs/heads/master")).startsWith(head);
        HttpdLogEntry push = second.httpdLog().await(secondMark,
                e -> e.path().equals("/a/" + project + "/git-receive-pack"), LOG_WAIT);
        assertThat(push.method()).isEqualTo("POST");
        assertThat(push.status()).isEqualTo(200);
        assertThat(push.user()).isEqualTo("admin");
        assertThat(first.httpdLog().since(firstMark)).noneMatch(e -> e.path().contains("git-receive-pack"));
    }

    @Test
    void anonymousUsersCloneANewProject() throws Exception {
        String project = unique("anonymous");
        first.admin().createProject(project);
        LogMark mark = second.httpdLog().mark();

        git(tmp, "clone", "-q", second.httpUrl() + "/" + project, "clone");

        assertThat(tmp.resolve("clone/.git")).isDirectory();
        HttpdLogEntry refs = second.httpdLog().await(mark, e -> e.path().equals("/" + project + "/info/refs"), LOG_WAIT);
        assertThat(refs.query()).isEqualTo("service=git-upload-pack");
        assertThat(refs.isAnonymous()).isTrue();
    }

    @Test
    void changePushedThroughOneNodeIsApprovedAndSubmittedThroughTheOther() throws Exception {
        String project = unique("submit");
        first.admin().createProject(project);
        Path work = cloneAsAdmin(second, project);
        commit(work, "change.txt", "A change to submit", true);
        String commit = git(work, "rev-parse", "HEAD").strip();
        Matcher number = Pattern.compile("/\\+/(\\d+)").matcher(git(work, "push", "origin", "HEAD:refs/for/master"));
        assertThat(number.find()).isTrue();
        String change = project + "~" + number.group(1); // resolves without the index, so on every node

        first.admin().approve(change);
        JsonNode submitted = first.admin().submit(change);

        assertThat(submitted.get("status").asText()).isEqualTo("MERGED");
        assertThat(git(tmp, "ls-remote", second.httpUrl() + "/" + project, "refs/heads/master")).startsWith(commit);
    }

    @Test
    void sshKeyAddedThroughOneNodeIsRefusedByTheOtherUntilItsCacheIsFlushed() throws Exception {
        assumeTrue(commandExists("ssh") && commandExists("ssh-keygen"), "needs OpenSSH's ssh and ssh-keygen");
        String user = unique("ssh");
        Path key = tmp.resolve("id_ed25519");
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()));
        first.admin().createUser(user, "pw-" + user);
        assertThat(sshLogin(second, user, key)).isNotZero(); // node 2 caches "no keys"

        first.admin().addSshKey(user, Files.readString(tmp.resolve("id_ed25519.pub")));

        assertThat(sshLogin(first, user, key)).isZero();
        assertThat(sshLogin(second, user, key)).isNotZero();
        cluster.flushCaches("sshkeys");
        LogMark mark = second.sshdLog().mark();
        assertThat(sshLogin(second, user, key)).isZero();
        SshdLogEntry command = second.sshdLog().await(mark, e -> e.command().equals("gerrit.version"), LOG_WAIT);
        assertThat(command.user()).isEqualTo(user);
        assertThat(command.account()).startsWith("a/");
    }

    @Test
    void killedNodeStartsAgainOnItsOwnPortsWithTheSharedData() {
        String project = unique("restart");
        first.admin().createProject(project);
        int httpPort = second.httpPort();

        second.kill();
        assertThat(second.isRunning()).isFalse();
        assertThatThrownBy(() -> second.admin().getJson("config/server/version")).isInstanceOf(UncheckedIOException.class);
        second.start();

        assertThat(second.isRunning()).isTrue();
        assertThat(second.httpPort()).isEqualTo(httpPort);
        assertThat(second.admin().projectExists(project)).isTrue();
    }

    private Path cloneAsAdmin(GerritNode node, String project) throws Exception {
        String url = "http://admin:secret@127.0.0.1:" + node.httpPort() + "/a/" + project;
        git(tmp, "clone", "-q", url, project);
        return tmp.resolve(project);
    }

    private static void commit(Path work, String file, String subject, boolean withChangeId) throws Exception {
        Files.writeString(work.resolve(file), subject + "\n", StandardCharsets.UTF_8);
        git(work, "add", file);
        String changeId = "I" + HexFormat.of().formatHex(randomBytes(20));
        git(work, "commit", "-q", "-m", withChangeId ? subject + "\n\nChange-Id: " + changeId : subject);
    }

    private static int sshLogin(GerritNode node, String user, Path key) throws Exception {
        return run(List.of("ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", key.toString(),
                "-p", String.valueOf(node.sshPort()), user + "@127.0.0.1", "gerrit", "version"));
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within 60 s");
        }
        return process.exitValue();
    }

    private static boolean commandExists(String name) throws Exception {
        return run(List.of("sh", "-c", "command -v " + name)) == 0;
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
