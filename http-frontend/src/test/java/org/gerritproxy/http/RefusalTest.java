package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.routing.HealthView;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.NodeState;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.WriteMaster;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refusals say what happened and what to do, in a form HTTP clients and git both show. */
class RefusalTest extends ProxyFixture {

  @TempDir Path tmp;
  TestBackend gerrit;
  Node n1;
  RoutingSnapshot healthy;

  @BeforeEach
  void cluster() throws Exception {
    gerrit = backend("gerrit-1");
    n1 = node("gerrit-1", gerrit.uri(), 1);
    healthy = snapshot(List.of(n1), "gerrit-1", Duration.ZERO);
  }

  RoutingSnapshot withoutMaster() {
    return healthy.withMaster(WriteMaster.none("the master gerrit-1 is down"));
  }

  RoutingSnapshot withoutNodes() {
    return healthy.withHealth(new HealthView(Map.of("gerrit-1", NodeState.DOWN)))
        .withMaster(WriteMaster.none("no node is up"));
  }

  @Test
  void noMasterGives503WithRetryAfterAndASentence() throws Exception {
    snapshot.set(withoutMaster());
    startProxy();
    try (RawHttp c = client()) {
      c.send("POST /a/changes/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.header("Retry-After")).contains("10");
      assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(r.text()).contains("There is no write master right now").contains("retry");
      // The connection stays usable after a refusal.
      c.send("GET /changes/ HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
    assertThat(gerrit.received).extracting(TestBackend.Received::uri).containsExactly("/changes/");
    await(() -> observer.records.size() == 2);
    assertThat(observer.records.get(0).outcome()).isEqualTo(AccessRecord.Outcome.REFUSED);
  }

  @Test
  void noHealthyNodeGives503WithRetryAfter() throws Exception {
    snapshot.set(withoutNodes());
    startProxy();
    RawHttp.Response r = get("/changes/", "");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.header("Retry-After")).contains("10");
    assertThat(r.text()).contains("No Gerrit node can serve this request");
  }

  @Test
  void aForbiddenRequestGives403() throws Exception {
    snapshot.set(healthy);
    startProxy();
    try (RawHttp c = client()) {
      c.send("TRACE / HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(403);
      assertThat(r.text()).contains("does not forward HTTP method");
    }
    assertThat(gerrit.requests.get()).isZero();
  }

  /**
   * A refused RPC is answered in git's framing whenever the classifier judged it git's, however
   * its target is spelt: the frontend no longer reads the target a second time, by raw text, and
   * answered these in plain text, which git does not show.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      textBlock =
          """
          /p.git/git-upload-pack               | git-upload-pack
          /p.git/git%2Dupload%2Dpack           | git-upload-pack
          /p.git/git-upload-pack/              | git-upload-pack
          /p.git/git-upload-pack#f             | git-upload-pack
          /p.git/git-receive-pack              | git-receive-pack
          /p.git/git%2dreceive%2dpack          | git-receive-pack
          /p.git//git-receive-pack/            | git-receive-pack
          """)
  void aRefusedRpcIsAnsweredInGitsFramingHoweverItsTargetIsSpelt(
      String target, String service) throws Exception {
    snapshot.set(service.equals("git-receive-pack") ? withoutMaster() : withoutNodes());
    startProxy();
    try (RawHttp c = client()) {
      c.send("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n0000");
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Content-Type")).contains("application/x-" + service + "-result");
      // After the pkt-line length: ERR for fetch-pack, a side-band error packet for send-pack.
      assertThat(r.text().substring(4)).startsWith(service.equals("git-upload-pack")
          ? "ERR No Gerrit node can serve this request"
          : "\u0003There is no write master");
    }
    assertThat(gerrit.requests.get()).isZero();
  }

  // ------------------------------------------------------------------ what real git prints

  @Test
  void gitCloneWithNoHealthyNodePrintsTheReason() throws Exception {
    snapshot.set(withoutNodes());
    startProxy();
    Git git = git("clone", url("p"), tmp.resolve("clone").toString());
    assertThat(git.exit).isNotZero();
    assertThat(git.stderr).contains("remote: No Gerrit node can serve this request right now")
        .contains("503");
  }

  @Test
  void gitPushWithNoMasterPrintsTheReason() throws Exception {
    snapshot.set(withoutMaster());
    startProxy();
    Path repo = localRepo();
    Git git = git("-C", repo.toString(), "push", url("p"), "HEAD:refs/heads/master");
    assertThat(git.exit).isNotZero();
    assertThat(git.stderr).contains("remote: There is no write master right now").contains("503");
  }

  @Test
  void gitPushWhoseMasterVanishesBeforeThePackPrintsTheReason() throws Exception {
    Path bare = bareRepo();
    serveAdvertisement(bare, "git-receive-pack");
    snapshot.set(healthy);
    startProxy();
    Path repo = localRepo();
    Git git = git("-C", repo.toString(), "push", url("p"), "HEAD:refs/heads/topic");
    assertThat(git.exit).isNotZero();
    assertThat(git.stderr).contains("remote: There is no write master right now");
    assertThat(gerrit.received).extracting(TestBackend.Received::method).containsExactly("GET");
  }

  @Test
  void gitFetchWhoseNodesVanishBeforeTheNegotiationPrintsTheReason() throws Exception {
    Path bare = bareRepo();
    serveAdvertisement(bare, "git-upload-pack");
    snapshot.set(healthy);
    startProxy();
    for (String version : List.of("0", "2")) {
      snapshot.set(healthy);
      Git git = git("-c", "protocol.version=" + version, "clone", url("p"),
          tmp.resolve("clone-v" + version).toString());
      assertThat(git.exit).isNotZero();
      assertThat(git.stderr).as("protocol v" + version)
          .contains("remote error: No Gerrit node can serve this request right now");
    }
  }

  @Test
  void gitWhoseNodeDiesBeforeAnsweringThePostPrintsTheReason() throws Exception {
    Path bare = bareRepo();
    snapshot.set(healthy);
    startProxy();
    for (String service : List.of("git-upload-pack", "git-receive-pack")) {
      gerrit.responder = (ctx, req) -> {
        if (req.method().equals("POST")) {
          TestBackend.reset(ctx); // the node dies with the request in hand
          return;
        }
        byte[] adv = run(List.of("git", service.substring(4), "--advertise-refs",
            "--stateless-rpc", bare.toString())).stdoutBytes;
        byte[] head = io.netty.buffer.ByteBufUtil.getBytes(
            GitSmartHttp.pktLine("# service=" + service + "\n"));
        var body = Unpooled.wrappedBuffer(head, "0000".getBytes(StandardCharsets.US_ASCII), adv);
        FullHttpResponse r =
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-" + service + "-advertisement");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        ctx.writeAndFlush(r);
      };
      Git git = service.equals("git-upload-pack")
          ? git("clone", url("p"), tmp.resolve("clone-dies").toString())
          : git("-C", localRepo().toString(), "push", url("p"), "HEAD:refs/heads/other");
      assertThat(git.exit).as(service).isNotZero();
      assertThat(git.stderr).as(service)
          .contains("Gerrit node gerrit-1 closed the connection before answering");
    }
  }

  /** The node answers the ref advertisement; then the cluster loses its master and nodes. */
  private void serveAdvertisement(Path bare, String service) {
    gerrit.responder = (ctx, req) -> {
      byte[] adv = run(List.of("git", service.substring(4), "--advertise-refs", "--stateless-rpc",
          bare.toString())).stdoutBytes;
      byte[] head = io.netty.buffer.ByteBufUtil.getBytes(GitSmartHttp.pktLine("# service=" + service + "\n"));
      var body = Unpooled.wrappedBuffer(head, "0000".getBytes(StandardCharsets.US_ASCII), adv);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-" + service + "-advertisement");
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      snapshot.set(service.equals("git-receive-pack") ? withoutMaster() : withoutNodes());
      ctx.writeAndFlush(r);
    };
  }

  private String url(String project) {
    return "http://127.0.0.1:" + address.getPort() + "/" + project + ".git";
  }

  private Path localRepo() throws Exception {
    Path repo = tmp.resolve("local");
    run(List.of("git", "init", "-q", repo.toString()));
    run(List.of("git", "-C", repo.toString(), "-c", "user.name=T", "-c", "user.email=t@example.com",
        "commit", "-q", "--allow-empty", "-m", "first"));
    return repo;
  }

  private Path bareRepo() throws Exception {
    Path repo = localRepo();
    Path bare = tmp.resolve("served.git");
    run(List.of("git", "clone", "-q", "--bare", repo.toString(), bare.toString()));
    return bare;
  }

  record Git(int exit, String stderr, byte[] stdoutBytes) {}

  private Git git(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    return run(cmd);
  }

  private Git run(List<String> cmd) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("GIT_TERMINAL_PROMPT", "0");
      pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
      pb.environment().put("HOME", tmp.toString());
      pb.environment().put("LC_ALL", "C");
      Path err = Files.createTempFile(tmp, "stderr", ".txt");
      pb.redirectError(err.toFile());
      Process p = pb.start();
      p.getOutputStream().close();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      p.getInputStream().transferTo(out);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + cmd);
      }
      return new Git(p.exitValue(), Files.readString(err), out.toByteArray());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
