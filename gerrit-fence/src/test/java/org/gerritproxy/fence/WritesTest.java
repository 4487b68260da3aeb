package org.gerritproxy.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.gerritproxy.fence.Writes.Http;
import org.junit.jupiter.api.Test;

class WritesTest {
  @Test
  void httpReadsPassWritesAreRefusedPushesGoToTheValidators() {
    assertThat(Writes.http("GET", "/a/changes/")).isEqualTo(Http.PASS);
    assertThat(Writes.http("HEAD", "/")).isEqualTo(Http.PASS);
    assertThat(Writes.http("POST", "/a/demo/git-upload-pack")).isEqualTo(Http.PASS);
    assertThat(Writes.http("GET", "/a/demo/info/refs")).isEqualTo(Http.PASS);
    assertThat(Writes.http("POST", "/a/demo/git-receive-pack")).isEqualTo(Http.VALIDATE);
    assertThat(Writes.http("PUT", "/a/projects/x")).isEqualTo(Http.REFUSE);
    assertThat(Writes.http("POST", "/a/changes/1/revisions/1/review")).isEqualTo(Http.REFUSE);
    assertThat(Writes.http("DELETE", "/a/accounts/self/sshkeys/1")).isEqualTo(Http.REFUSE);
    assertThat(Writes.http("PATCH", "/a/x")).isEqualTo(Http.REFUSE);
    assertThat(Writes.http("GET", "/login/")).as("a login writes All-Users").isEqualTo(Http.REFUSE);
    assertThat(Writes.http("POST", "/a/config/server/caches/sshkeys/flush")).isEqualTo(Http.PASS);
    assertThat(Writes.http("POST", "/a/config/server/caches/")).isEqualTo(Http.PASS);
    assertThat(Writes.http("GET", "/plugins/fence/status")).isEqualTo(Http.PASS);
  }

  @Test
  void sshCommandsAreJudgedInsideTheProxysSuexec() {
    assertThat(Writes.ssh("gerrit version")).isEqualTo(Http.PASS);
    assertThat(Writes.ssh("git-upload-pack '/demo'")).isEqualTo(Http.PASS);
    assertThat(Writes.ssh("git-receive-pack '/demo'")).isEqualTo(Http.VALIDATE);
    assertThat(Writes.ssh("gerrit create-project x")).isEqualTo(Http.REFUSE);
    assertThat(Writes.ssh("gerrit review --submit 1,1")).isEqualTo(Http.REFUSE);
    assertThat(Writes.ssh("gerrit plugin ls")).isEqualTo(Http.PASS);
    assertThat(Writes.ssh("gerrit plugin rm fence")).isEqualTo(Http.REFUSE);
    assertThat(Writes.ssh("replication start --all")).isEqualTo(Http.REFUSE);
    assertThat(Writes.ssh("suexec --as admin --from 127.0.0.1:5 -- gerrit ls-projects"))
        .isEqualTo(Http.PASS);
    assertThat(Writes.ssh("suexec --as admin -- gerrit create-project 'a b'"))
        .isEqualTo(Http.REFUSE);
    assertThat(Writes.ssh("suexec --as admin -- git-receive-pack '/demo'"))
        .isEqualTo(Http.VALIDATE);
    assertThat(Writes.split("a 'b c' \"d e\" f\\ g")).containsExactly("a", "b c", "d e", "f g");
  }

  @Test
  void settingsNameTheKeyThatIsMissingOrBad() {
    assertThatThrownBy(() -> FenceSettings.read(Map.<String, String>of()::get))
        .hasMessageContaining("[plugin \"fence\"] node is not set");
    assertThatThrownBy(() -> FenceSettings.read(Map.of("node", "gerrit-1")::get))
        .hasMessageContaining("needs exactly one of repository");
    assertThatThrownBy(() -> FenceSettings.read(
        Map.of("node", "gerrit-1", "repository", "/r.git", "url", "jdbc:h2:mem:x")::get))
        .hasMessageContaining("needs exactly one of repository");
    assertThatThrownBy(() -> FenceSettings.read(
        Map.of("node", "gerrit-1", "url", "postgres://db")::get))
        .hasMessageContaining("must be a jdbc: URL");
    assertThatThrownBy(() -> FenceSettings.read(
        Map.of("node", "gerrit-1", "repository", "relative.git")::get))
        .hasMessageContaining("absolute path");
    assertThatThrownBy(() -> FenceSettings.read(
        Map.of("node", "gerrit-1", "repository", "/r.git", "failClosedAfter", "soon")::get))
        .hasMessageContaining("failClosedAfter = soon is not a positive duration");
    FenceSettings s = FenceSettings.read(
        Map.of("node", "gerrit-1", "repository", "/r.git", "refresh", "500ms")::get);
    assertThat(s.refresh()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.failClosedAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.ref()).isEqualTo("refs/meta/gerrit-proxy/master");
  }
}
