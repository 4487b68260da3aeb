package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionKeyTest {

  private static String basic(String userColonPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void cookieComesFirst() {
    String key = SessionKey.forHttp("GerritAccount=aSceprtBc", basic("jdoe:secret"), "10.0.0.7:5000");

    assertThat(key).startsWith("cookie:");
  }

  @Test
  void cookieValueIsNeverInTheKey() {
    String key = SessionKey.forHttp("GerritAccount=aSceprtBc", null, null);

    assertThat(key).doesNotContain("aSceprtBc");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GerritAccount=abc",
        "foo=1; GerritAccount=abc; bar=2",
        "foo=1;GerritAccount=abc",
        "  GerritAccount = abc ;",
        "GerritAccount=\"abc\"",
        "XSRF_TOKEN=zz; GerritAccount=abc",
        "a=1, GerritAccount=abc",
        "GerritAccount=; GerritAccount=abc"
      })
  void findsTheGerritAccountCookieAmongOthers(String header) {
    assertThat(SessionKey.forHttp(header, null, null))
        .isEqualTo(SessionKey.forHttp("GerritAccount=abc", null, null));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "foo=1; bar=2", "gerritaccount=abc", "XGerritAccount=abc", "GerritAccount=", "GerritAccount"})
  void withoutAGerritAccountCookieFallsThrough(String header) {
    assertThat(SessionKey.forHttp(header, basic("jdoe:pw"), "10.0.0.7")).isEqualTo("user:jdoe");
  }

  @Test
  void differentCookiesGiveDifferentKeys() {
    assertThat(SessionKey.forHttp("GerritAccount=abc", null, null))
        .isNotEqualTo(SessionKey.forHttp("GerritAccount=abd", null, null));
  }

  @Test
  void basicAuthorizationNamesTheUserAndNeverThePassword() {
    String key = SessionKey.forHttp(null, basic("jdoe:s3cr3t:with:colons"), "10.0.0.7");

    assertThat(key).isEqualTo("user:jdoe").doesNotContain("s3cr3t");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Bearer eyJhbGciOi.abc.def",
        "Basic",
        "Basic ",
        "Basic !!!not-base64!!!",
        "Digest username=\"jdoe\"",
        "garbage",
        ""
      })
  void unusableAuthorizationFallsBackToTheClientAddress(String authorization) {
    assertThat(SessionKey.forHttp(null, authorization, "10.0.0.7:5000")).isEqualTo("addr:10.0.0.7");
  }

  @Test
  void basicWithoutAColonNamesNoUser() {
    // Without the colon it is unclear what the client sent; it could be a bare password.
    assertThat(SessionKey.userFromAuthorization(basic("hunter2"))).isEmpty();
    assertThat(SessionKey.userFromAuthorization(basic(":hunter2"))).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          Basic      | jdoe:pw  | jdoe
          basic      | jdoe:pw  | jdoe
          BASIC      | jdoe:pw  | jdoe
          Basic      | jdoe:    | jdoe
          Basic      | j.doe@example.com:pw | j.doe@example.com
          Basic      | jürgen:pw | jürgen
          """)
  void readsTheUserOfBasicAuthorization(String scheme, String credentials, String user) {
    String header =
        scheme + " " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));

    assertThat(SessionKey.userFromAuthorization(header)).contains(user);
  }

  @Test
  void readsUnpaddedBase64AndSurroundingSpace() {
    String unpadded = Base64.getEncoder().withoutPadding().encodeToString("ab:c".getBytes(StandardCharsets.UTF_8));

    assertThat(SessionKey.userFromAuthorization("  Basic   " + unpadded + "  ")).contains("ab");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          10.0.0.7:51234           | addr:10.0.0.7
          10.0.0.7                 | addr:10.0.0.7
          /10.0.0.7:51234          | addr:10.0.0.7
          client.example.com/10.0.0.7:51234 | addr:10.0.0.7
          [::1]:51234              | addr:::1
          [2001:db8::1]            | addr:2001:db8::1
          2001:db8::1              | addr:2001:db8::1
          /[fe80::1%eth0]:22       | addr:fe80::1
          Client.Example.COM:80    | addr:client.example.com
          """)
  void clientAddressLosesItsPort(String address, String key) {
    assertThat(SessionKey.forHttp(null, null, address)).isEqualTo(key);
  }

  @Test
  void sameClientOnAnotherPortIsTheSameSession() {
    assertThat(SessionKey.forHttp(null, null, "10.0.0.7:1111"))
        .isEqualTo(SessionKey.forHttp(null, null, "10.0.0.7:2222"));
  }

  @Test
  void nothingKnownStillGivesAKey() {
    assertThat(SessionKey.forHttp(null, null, null)).isEqualTo("addr:unknown");
    assertThat(SessionKey.forHttp(null, null, "")).isEqualTo("addr:unknown");
  }

  @Test
  void aUserNameCannotCollideWithACookieOrAnAddress() {
    String cookie = SessionKey.forHttp("GerritAccount=10.0.0.7", null, null);
    String user = SessionKey.forHttp(null, basic("10.0.0.7:pw"), null);
    String addr = SessionKey.forHttp(null, null, "10.0.0.7");

    assertThat(cookie).isNotEqualTo(user).isNotEqualTo(addr);
    assertThat(user).isNotEqualTo(addr);
  }

  @Test
  void aUserReadsFromTheSameNodeOverSshAndHttp() {
    assertThat(SessionKey.forSsh("jdoe"))
        .isEqualTo(SessionKey.forHttp(null, basic("jdoe:pw"), "10.0.0.7"));
  }

  @Test
  void sshKeyNeverThrows() {
    assertThat(SessionKey.forSsh(null)).startsWith("user:");
  }
}
