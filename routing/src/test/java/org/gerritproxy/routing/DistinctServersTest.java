package org.gerritproxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class DistinctServersTest {

  @Test
  void blamesTheLaterNodeForAnHttpUrlAlreadyTaken() {
    DistinctServers s = new DistinctServers();

    assertThat(s.http("gerrit-1", URI.create("http://10.0.0.1:8080"))).isEmpty();
    assertThat(s.http("gerrit-2", URI.create("http://10.0.0.1:8080")))
        .contains(
            "[node \"gerrit-2\"] http = http://10.0.0.1:8080 is also the URL of node gerrit-1:"
                + " each node is a different Gerrit server.");
  }

  @Test
  void blamesTheLaterNodeForAnSshAddressAlreadyTaken() {
    DistinctServers s = new DistinctServers();

    assertThat(s.ssh("gerrit-1", new Endpoint("10.0.0.1", 29418))).isEmpty();
    assertThat(s.ssh("gerrit-2", new Endpoint("10.0.0.2", 29418))).isEmpty();
    assertThat(s.ssh("gerrit-3", new Endpoint("10.0.0.1", 29418)))
        .contains(
            "[node \"gerrit-3\"] ssh = 10.0.0.1:29418 is also the SSH address of node gerrit-1:"
                + " each node is a different Gerrit server.");
  }

  @Test
  void theSameHostOnAnotherPortIsAnotherServer() {
    DistinctServers s = new DistinctServers();

    assertThat(s.http("gerrit-1", URI.create("http://h:8080"))).isEmpty();
    assertThat(s.http("gerrit-2", URI.create("http://h:8081"))).isEmpty();
    assertThat(s.ssh("gerrit-1", new Endpoint("h", 29418))).isEmpty();
    assertThat(s.ssh("gerrit-2", new Endpoint("h", 29419))).isEmpty();
  }
}
