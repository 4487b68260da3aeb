package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.gerritproxy.core.cluster.GerritCluster;
import org.gerritproxy.core.cluster.GerritClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with certificates made by {@code openssl}: replacing the certificate and key files (as
 * certbot does) changes the certificate new connections get, without a restart; a broken
 * replacement keeps the old one.
 */
@ExtendWith(GerritClusterExtension.class)
class CertificateReloadTest {
  @TempDir Path dir;
  ProxyFixture proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void newConnectionsGetTheCertificateWrittenLast(GerritCluster cluster) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
    Path first = selfSigned("first");
    Path second = selfSigned("second");
    Path cert = dir.resolve("proxy.crt");
    Path key = dir.resolve("proxy.key");
    Files.copy(first.resolve("cert.pem"), cert);
    Files.copy(first.resolve("key.pem"), key);
    proxy = ProxyFixture.start(dir, cluster.nodes(), ProxyFixture.staticMaster("gerrit-1")
        .replace("[election]", "[httpd]\n\tsslCertificate = " + cert + "\n\tsslKey = " + key
            + "\n[election]"));
    proxy.awaitMaster("gerrit-1");
    int port = proxy.process().httpAddress().getPort();
    assertThat(servedCommonName(port)).isEqualTo("CN=first");

    Files.copy(second.resolve("cert.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(second.resolve("key.pem"), key, StandardCopyOption.REPLACE_EXISTING);
    awaitServed(port, "CN=second");
    assertThat(events()).contains("HTTPS certificate reloaded");

    // A half-written or wrong file is refused; the certificate in use stays.
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!events().contains("certificate-failed")) {
      assertThat(System.nanoTime()).as("a refused certificate within 10 s").isLessThan(deadline);
      Thread.sleep(100);
    }
    assertThat(servedCommonName(port)).isEqualTo("CN=second");
  }

  /** {@code /health}, whose recent events say what the proxy did with the files. */
  private String events() {
    try {
      return proxy.http.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(proxy.adminUrl() + "/health")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private void awaitServed(int port, String subject) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String served = servedCommonName(port);
    while (!served.equals(subject)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("still served " + served + " 10 s after the files changed");
      }
      Thread.sleep(100);
      served = servedCommonName(port);
    }
  }

  /** The subject of the certificate a new TLS connection is served, and that HTTP works on it. */
  private static String servedCommonName(int port) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.startHandshake();
      X509Certificate served = (X509Certificate) s.getSession().getPeerCertificates()[0];
      s.getOutputStream().write(("GET /config/server/version HTTP/1.1\r\nHost: localhost\r\n"
          + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response = new String(s.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(response).as("Gerrit over HTTPS through the proxy").startsWith("HTTP/1.1 200");
      return served.getSubjectX500Principal().getName();
    }
  }

  private Path selfSigned(String name) throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec",
        "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=" + name, "-keyout", d.resolve("key.pem").toString(),
        "-out", d.resolve("cert.pem").toString()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return d;
  }

  /** The test checks which certificate is served, not whether it is trusted. */
  private static final class TrustEverything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
