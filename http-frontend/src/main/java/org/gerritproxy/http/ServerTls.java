package org.gerritproxy.http;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;

/**
 * The server side of TLS from a PEM certificate chain and its PEM (PKCS#8) private key, as the
 * configuration names them. One place for every listener that serves TLS (HTTP and admin), so
 * they read the files alike and refuse bad ones with the same message.
 */
public final class ServerTls {
  private ServerTls() {}

  /**
   * Reads {@code certificate} and {@code key} now.
   *
   * @param section the configuration section naming the files ({@code httpd}, {@code admin}), for
   *     the message
   * @throws IllegalArgumentException when the files cannot be used for TLS
   */
  public static SslContext context(String section, Path certificate, Path key) {
    return context(section, certificate, key, false);
  }

  /**
   * Reads {@code certificate} and {@code key} now; with {@code http2}, the handshake offers {@code
   * h2} before {@code http/1.1} by ALPN (a client that names neither gets HTTP/1.1), and the
   * cipher suites stay the JDK's: it prefers TLS 1.3 and ECDHE with AEAD, which RFC 9113 §9.2.2
   * asks of HTTP/2, and narrowing them would cut off HTTP/1.1 clients that never asked for h2.
   *
   * @throws IllegalArgumentException when the files cannot be used for TLS
   */
  static SslContext context(String section, Path certificate, Path key, boolean http2) {
    try {
      SslContextBuilder b = SslContextBuilder.forServer(certificate.toFile(), key.toFile());
      if (http2) {
        b.applicationProtocolConfig(new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                // A client that offers neither is served HTTP/1.1, as before ALPN existed.
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
      }
      return b.build();
    } catch (Exception e) {
      throw new IllegalArgumentException(section + ".sslCertificate " + certificate
          + " and " + section + ".sslKey " + key + " cannot be used for HTTPS: "
          + e.getMessage() + ". Give a PEM certificate chain and its PEM (PKCS#8) private key.", e);
    }
  }
}
