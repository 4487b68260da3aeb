package org.gerritproxy.http;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for localhost and 127.0.0.1, made once per test JVM with the JDK's
 * keytool (a second or two), as the PEM files {@code httpd.sslCertificate} and {@code sslKey}
 * name, and a client SSLContext that trusts it.
 */
final class TestCertificate {

  final Path certificate;
  final Path key;
  final SSLContext clientTls;

  private static TestCertificate shared;

  private TestCertificate(Path certificate, Path key, SSLContext clientTls) {
    this.certificate = certificate;
    this.key = key;
    this.clientTls = clientTls;
  }

  static synchronized TestCertificate get() throws Exception {
    if (shared == null) {
      shared = make(Files.createTempDirectory("proxy-tls"));
    }
    return shared;
  }

  private static TestCertificate make(Path dir) throws Exception {
    Path store = dir.resolve("proxy.p12");
    Process p = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "proxy", "-keyalg", "EC", "-groupname", "secp256r1",
        "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    Path cert = Files.writeString(dir.resolve("cert.pem"),
        pem("CERTIFICATE", ks.getCertificate("proxy").getEncoded()));
    Path key = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY",
        ((PrivateKey) ks.getKey("proxy", "changeit".toCharArray())).getEncoded()));
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("proxy", ks.getCertificate("proxy"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return new TestCertificate(cert, key, ssl);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
