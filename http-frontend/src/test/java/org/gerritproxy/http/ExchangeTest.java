package org.gerritproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The states of an exchange, one per direction, as the handlers' events move them. */
class ExchangeTest {

  /** Each row: what happened, in order, and where each direction stands afterwards. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # a GET relayed
          attach                                                        | STREAMING  | AWAITED
          attach ended                                                  | RECEIVED   | AWAITED
          attach ended sent                                             | SENT       | AWAITED
          attach ended sent head                                        | SENT       | STREAMING
          attach ended sent head received                               | SENT       | RECEIVED
          attach ended sent head received written                       | SENT       | DONE
          # a POST answered before its body was all sent: the rest is dropped
          attach head received discard                                  | DISCARDING | RECEIVED
          attach head received discard written ended                    | DROPPED    | DONE
          # 100 Continue, then the real response
          attach interim                                                | STREAMING  | INTERIM
          attach interim interim-end                                    | STREAMING  | AWAITED
          attach interim interim-end head                               | STREAMING  | STREAMING
          # refused by the Router: the body is drained, the proxy answers
          discard answered                                              | DISCARDING | ANSWERED
          discard answered ended written                                | DROPPED    | DONE
          # a node that fails before answering: the proxy answers, the connection closes
          attach ended sent discard answered ended                      | DROPPED    | ANSWERED
          attach discard answered ended                                 | DROPPED    | ANSWERED
          # no connection at all
          answered ended                                                | RECEIVED   | ANSWERED
          # a retry on a new connection sends the request again and awaits a new response
          attach ended sent attach                                      | RECEIVED   | AWAITED
          attach ended sent interim attach                              | RECEIVED   | AWAITED
          """)
  void eachEventMovesItsDirection(String events, Exchange.RequestState request,
      Exchange.ResponseState response) {
    Exchange e = exchange();

    for (String event : events.split(" ")) {
      apply(e, event);
    }

    assertThat(e.requestState()).isEqualTo(request);
    assertThat(e.responseState()).isEqualTo(response);
    assertThat(e.requestReceived()).isEqualTo(request == Exchange.RequestState.RECEIVED
        || request == Exchange.RequestState.SENT || request == Exchange.RequestState.DROPPED);
    assertThat(e.discarding()).isEqualTo(request == Exchange.RequestState.DISCARDING
        || request == Exchange.RequestState.DROPPED);
    assertThat(e.responseStarted()).isEqualTo(response != Exchange.ResponseState.AWAITED
        && response != Exchange.ResponseState.INTERIM);
  }

  /** Changes the handlers cannot make are bugs, caught in tests (which run with assertions). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          sent
          head head
          received
          written
          interim-end
          head answered
          head attach
          discard attach
          """)
  void anImpossibleChangeIsABug(String events) {
    Exchange e = exchange();
    String[] all = events.split(" ");
    for (int i = 0; i < all.length - 1; i++) {
      apply(e, all[i]);
    }

    assertThatThrownBy(() -> apply(e, all[all.length - 1])).isInstanceOf(AssertionError.class);
  }

  private static Exchange exchange() {
    return new Exchange(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/x"), "/x",
        "127.0.0.1", Optional.empty());
  }

  private static void apply(Exchange e, String event) {
    switch (event) {
      case "attach" -> e.connectionAttached();
      case "ended" -> e.requestEnded();
      case "sent" -> e.requestSent();
      case "discard" -> e.discardBody();
      case "interim" -> e.interimStarted();
      case "interim-end" -> e.interimEnded();
      case "head" -> e.headRelayed();
      case "received" -> e.responseReceived();
      case "answered" -> e.answered();
      case "written" -> e.responseWritten();
      default -> throw new IllegalArgumentException(event);
    }
  }
}
