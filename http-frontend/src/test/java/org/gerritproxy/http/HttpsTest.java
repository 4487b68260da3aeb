package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a certificate and key the frontend speaks HTTPS, and tells Gerrit so. */
class HttpsTest extends ProxyFixture {

  @TempDir Path tmp;

  @Test
  void servesHttpsWithAPemCertificateAndKey() throws Exception {
    KeyStore ks = selfSigned();
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    Files.writeString(cert, pem("CERTIFICATE", ks.getCertificate("proxy").getEncoded()));
    Files.writeString(key, pem("PRIVATE KEY", ((PrivateKey) ks.getKey("proxy", "changeit".toCharArray())).getEncoded()));

    TestBackend gerrit = backend("gerrit-1");
    snapshot.set(snapshot(List.of(node("gerrit-1", gerrit.uri(), 1)), "gerrit-1", Duration.ZERO));
    startProxy(settings().withTls(cert, key));

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("proxy", ks.getCertificate("proxy"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    HttpClient client = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = client.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + address.getPort() + "/changes/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello from gerrit-1");
    assertThat(r.headers().firstValue("X-Gerrit-Proxy-Node")).contains("gerrit-1");
    assertThat(gerrit.last().headers().get("X-Forwarded-Proto")).isEqualTo("https");
  }

  @Test
  void aKeyThatCannotBeReadIsRefusedWithTheFileNamed() throws Exception {
    Path cert = Files.writeString(tmp.resolve("cert.pem"), "not a certificate");
    Path key = Files.writeString(tmp.resolve("key.pem"), "not a key");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new HttpProxyServer(settings().withTls(cert, key), snapshot::get, observer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cert.pem")
        .hasMessageContaining("PEM");
  }

  /** A self-signed certificate for localhost, made with the JDK's keytool. */
  private KeyStore selfSigned() throws Exception {
    Path store = tmp.resolve("proxy.p12");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "proxy", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
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
    return ks;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
