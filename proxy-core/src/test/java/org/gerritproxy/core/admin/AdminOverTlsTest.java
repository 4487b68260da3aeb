package org.gerritproxy.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.core.ProxyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [admin] sslCertificate}/{@code sslKey} in the running process, checked with real curl:
 * the admin pages are served over HTTPS with that certificate, plain HTTP on the port gets no
 * answer at all, and the token is still required. A renewed certificate is read from the files.
 */
class AdminOverTlsTest {
  @TempDir Path dir;
  private ProxyProcess proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void servesHttpsWithTheCertificateOnlyAndStillNeedsTheToken() throws Exception {
    Path cert = dir.resolve("admin.crt");
    Path key = dir.resolve("admin.key");
    selfSigned(cert, key);
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort(); // a node that never answers: this test is about the admin listener
    }
    Path config = dir.resolve("proxy.config");
    Files.writeString(config, "[httpd]\n\tlistenAddress = 127.0.0.1:0\n[sshd]\n\tlistenAddress = 127.0.0.1:0\n"
        + "\thostKey = " + dir.resolve("host_key") + "\n\tpeerKey = " + dir.resolve("peer_key") + "\n"
        + "[admin]\n\tlistenAddress = 127.0.0.1:0\n\tsslCertificate = admin.crt\n\tsslKey = admin.key\n"
        + "[node \"gerrit-1\"]\n\thttp = http://127.0.0.1:" + closed + "\n\tssh = 127.0.0.1:" + closed + "\n");
    Files.writeString(dir.resolve("secure.config"), "[admin]\n\ttoken = tls-token\n");
    proxy = ProxyProcess.start(config);
    int port = proxy.adminAddress().getPort();
    String https = "https://127.0.0.1:" + port;

    Curl withToken = curl("--cacert", cert.toString(), "-H", "Authorization: Bearer tls-token",
        https + "/health");
    assertThat(withToken.exit).as(withToken.output).isZero();
    // The health document itself; 503 as the only node is a closed port (down), 200 while unknown.
    assertThat(withToken.output).contains("\"restartNeeded\"").containsPattern("(200|503)$");

    Curl withoutToken = curl("--cacert", cert.toString(), https + "/health");
    assertThat(withoutToken.exit).as(withoutToken.output).isZero();
    assertThat(withoutToken.output).contains("needs the token").endsWith("401");

    Curl untrusted = curl("-H", "Authorization: Bearer tls-token", https + "/health");
    assertThat(untrusted.exit).as("curl trusts only its CA bundle: 60 is 'peer certificate"
        + " cannot be authenticated'; " + untrusted.output).isEqualTo(60);

    Curl plain = curl("-H", "Authorization: Bearer tls-token", "http://127.0.0.1:" + port + "/health");
    assertThat(plain.exit).as("plain HTTP gets no HTTP answer (52 empty reply, 56 reset): "
        + plain.output).isIn(52, 56);
    assertThat(plain.output).doesNotContain("status").doesNotContain("tls-token");

    // A renewed certificate (written over the files, as certbot does) is served without a restart.
    Path renewed = dir.resolve("renewed");
    Files.createDirectories(renewed);
    selfSigned(renewed.resolve("admin.crt"), renewed.resolve("admin.key"));
    Files.copy(renewed.resolve("admin.key"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(renewed.resolve("admin.crt"), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    Curl rotated;
    do {
      assertThat(System.nanoTime()).as("the renewed certificate served within 30 s").isLessThan(deadline);
      rotated = curl("--cacert", renewed.resolve("admin.crt").toString(), "-H",
          "Authorization: Bearer tls-token", https + "/metrics");
    } while (rotated.exit != 0);
    assertThat(rotated.output).endsWith("200");
  }

  private record Curl(int exit, String output) {}

  /** Real curl; prints the body then the status code; bounded by curl's own timeouts. */
  private static Curl curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "--connect-timeout", "10",
        "--max-time", "30", "-w", "%{http_code}"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("curl finished").isTrue();
    return new Curl(p.exitValue(), out.strip());
  }

  /** A self-signed certificate for 127.0.0.1 as PEM files, made with the JDK's keytool. */
  private void selfSigned(Path cert, Path key) throws Exception {
    Path store = cert.resolveSibling("admin.p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "admin", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("admin").getEncoded()));
    Files.writeString(key, pem("PRIVATE KEY",
        ((PrivateKey) ks.getKey("admin", "changeit".toCharArray())).getEncoded()));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
