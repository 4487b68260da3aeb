package org.gerritproxy.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The SSH access log never keeps a password given on a command line. */
class SshAccessLogTest {
  @Test
  void passwordOptionValuesAreMasked() {
    assertThat(SshAccessLog.masked("gerrit set-account --http-password s3cr3t alice"))
        .isEqualTo("gerrit set-account --http-password ******** alice");
    assertThat(SshAccessLog.masked("gerrit set-account --http-password=s3cr3t alice"))
        .isEqualTo("gerrit set-account --http-password=******** alice");
    assertThat(SshAccessLog.masked("gerrit create-account --http-password 'two words' bob"))
        .isEqualTo("gerrit create-account --http-password ******** bob");
    assertThat(SshAccessLog.masked("gerrit set-account --HTTP-PASSWORD \"x y\" --full-name Al al"))
        .isEqualTo("gerrit set-account --HTTP-PASSWORD ******** --full-name Al al");
  }

  @Test
  void otherCommandLinesStayAsTheyAre() {
    String[] kept = {"git-upload-pack '/project'", "gerrit query --format json status:open",
        "gerrit set-account --generate-http-password alice", "gerrit review --message password 1,1"};
    for (String line : kept) {
      assertThat(SshAccessLog.masked(line)).isEqualTo(line);
    }
  }
}
