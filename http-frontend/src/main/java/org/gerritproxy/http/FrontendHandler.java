package org.gerritproxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.gerritproxy.routing.GitHttpRequest;
import org.gerritproxy.routing.HttpRequestClassifier;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.RequestClass;
import org.gerritproxy.routing.RequestTarget;
import org.gerritproxy.routing.RouteDecision;
import org.gerritproxy.routing.Router;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.SessionKey;
import org.gerritproxy.routing.replication.ReceiveCommands;
import org.gerritproxy.routing.replication.RefTarget;
import org.gerritproxy.routing.replication.ReplicaFreshness;
import org.gerritproxy.routing.admission.FetchGate;
import org.gerritproxy.routing.admission.SlotNotice;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-to-backend direction of one client connection: takes each request, asks the Router
 * where it goes, and streams its body to that node one chunk at a time, reading the next chunk
 * only once the previous one was written. Answers itself when the request is refused or bad.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements ClientSide {

  private static final Logger LOG = LoggerFactory.getLogger(FrontendHandler.class);

  private final HttpFrontend server;
  /** This connection's settings, as they were when it was accepted. */
  private final HttpFrontendSettings settings;
  private ChannelHandlerContext ctx;
  /** Null on an HTTP/2 stream: the connection's clock is the HTTP/2 codec's (Http2Pipeline). */
  private RequestDeadline deadline;
  /**
   * This channel is one HTTP/2 stream, not a connection: it carries one exchange and then closes
   * (which resets the stream if the exchange did not end it), and its connection is its parent.
   */
  private boolean stream;
  private String clientIp = "-";
  private Exchange exchange;
  private boolean draining;
  private boolean closing;
  /** A message was asked for and has not come yet. */
  private boolean awaitingMessage;

  FrontendHandler(HttpFrontend server, HttpFrontendSettings settings) {
    this.server = server;
    this.settings = settings;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.deadline = ctx.pipeline().get(RequestDeadline.class);
    this.stream = Http2Pipeline.isStream(ctx.channel());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    SocketAddress remote = ctx.channel().remoteAddress();
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      clientIp = inet.getAddress().getHostAddress();
    }
    read();
    ctx.fireChannelActive();
  }

  @Override
  public ChannelHandlerContext client() {
    return ctx;
  }

  @Override
  public boolean isDraining() {
    return draining || server.isDraining();
  }

  /** Asks for the next message from the client: one per call (FlowControlHandler). */
  private void read() {
    awaitingMessage = true;
    ctx.read();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // A read cycle may end without the message we asked for (only part of it arrived, or the
    // ask came during the cycle); Netty then counts the read as answered, so ask again.
    if (awaitingMessage) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    awaitingMessage = false;
    if (closing) {
      // Answered and closing (a 4xx that ends the connection): whatever the decoder still
      // produces from bytes already received is no new request, and must not be logged as one.
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      onRequest(request);
    }
    if (msg instanceof HttpContent content) {
      onContent(content);
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(HttpRequest request) {
    if (deadline != null) {
      deadline.exchangeStarted();
    }
    InetSocketAddress proxied =
        Http2Pipeline.connection(ctx.channel()).attr(ProxyProtocol.CLIENT).get();
    if (proxied != null) {
      clientIp = proxied.getAddress().getHostAddress(); // named by the balancer's PROXY header
    }
    if (exchange != null) {
      // Reads stop while an exchange runs, so a second request cannot arrive; if it does, the
      // connection is confused and no answer could be trusted.
      ctx.close();
      return;
    }
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    // The target is read here once: its origin form is forwarded, and the classifier judges the
    // same reading (class, project and git service alike).
    RequestTarget target = RequestTarget.parse(request.uri());
    Optional<String> origin = target.originForm();
    Exchange e = new Exchange(request, origin.orElse("/"), clientIp,
        SessionKey.userFromAuthorization(authorization));
    exchange = e;
    e.http2 = stream;
    if (request.decoderResult().isFailure()) {
      badRequest(e, request.decoderResult().cause());
      return;
    }
    if (origin.isEmpty()) {
      answerAndClose(e, HttpResponseStatus.BAD_REQUEST,
          "The request-target is neither a path nor an http(s) URL; send a path such as /a/changes/.");
      return;
    }
    if (request.protocolVersion().majorVersion() != 1) {
      answerAndClose(e, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          "This proxy speaks HTTP/1.1 (and 1.0) only; send the request as HTTP/1.1.");
      return;
    }
    Optional<String> badHost = HostHeader.problem(request);
    if (badHost.isPresent()) {
      answerAndClose(e, HttpResponseStatus.BAD_REQUEST, badHost.get());
      return;
    }
    e.clientKeepAlive = HttpUtil.isKeepAlive(request) && !isDraining();

    e.classified = HttpRequestClassifier.classifyRequest(request.method().name(), target);
    e.sessionKey = SessionKey.forHttp(
        request.headers().get(HttpHeaderNames.COOKIE), authorization, clientIp);
    RoutingSnapshot snapshot = server.snapshot();
    boolean readFromMaster = server.readYourWrites().readsFromMaster(
        ReadYourWrites.writer(e.user, e.sessionKey), snapshot.table().routing().readYourWrites());
    Optional<String> project = e.classified.classification().project();
    boolean replicated = snapshot.table().cluster().replicated();
    RouteDecision decision = Router.decide(e.classified.classification(), e.sessionKey,
        readFromMaster, snapshot, replicated
            ? server.replicas().freshness(project) : ReplicaFreshness.NONE);
    if (decision instanceof RouteDecision.Refuse refusal) {
      refuse(e, refusal);
    } else if (decision instanceof RouteDecision.Forward forward) {
      forward.heldBackFrom().ifPresent(n -> server.replicas().heldBack(project.get(), n));
      if (replicated && project.isPresent() && request.method().name().equals("POST")
          && e.git().filter(g -> g.service().equals(GitHttpRequest.RECEIVE_PACK)).isPresent()) {
        e.receiveCommands = new ReceiveCommands();
      }
      List<Node> candidates = new ArrayList<>(1 + forward.fallbacks().size());
      candidates.add(forward.node());
      candidates.addAll(forward.fallbacks());
      e.candidates = candidates;
      e.candidate = 0;
      if (isFetch(e)) {
        admit(e);
      } else {
        connect(e, true);
      }
    }
  }

  // ---------------------------------------------------------------- fair shares for fetches

  /** A git-upload-pack RPC: the POST that makes a node count objects and send a pack. */
  private static boolean isFetch(Exchange e) {
    return e.git().filter(g -> g.step() == GitHttpRequest.Step.RPC
        && g.service().equals(GitHttpRequest.UPLOAD_PACK)).isPresent();
  }

  /**
   * Takes a slot in the fetch gate, or waits for one without holding the event loop: the grant
   * resumes the exchange on this connection's loop, and a timer gives up after the queue timeout.
   * The request body stays unread (in the socket) meanwhile, so a waiting fetch costs no buffer.
   * No progress line is possible here: git reads an upload-pack response only from its first
   * pkt-line on, which must be the node's own, so a waiting HTTP client sees nothing until the
   * node answers, or the timeout's error.
   */
  private void admit(Exchange e) {
    FetchGate gate = server.fetchGate();
    String account = e.user.orElse("anonymous@" + clientIp);
    FetchGate.Admission a = gate.request(account, e.user,
        Optional.ofNullable(e.request.headers().get(HttpHeaderNames.USER_AGENT)),
        e.candidates.get(0).name());
    e.admission = a;
    if (a.refused()) {
      refuseFetch(e, SlotNotice.queueFull(gate.limits().maxQueued()));
      return;
    }
    if (a.isGranted()) {
      connect(e, true);
      return;
    }
    EventLoop loop = ctx.channel().eventLoop();
    Duration timeout = gate.limits().queueTimeout();
    ScheduledFuture<?> timer = loop.schedule(() -> {
      if (exchange == e && a.withdraw(true)) {
        LOG.info("{}: a fetch by {} waited {} for a slot and was given up", settings.proxyName(),
            account, timeout);
        refuseFetch(e, SlotNotice.timedOut(timeout));
      }
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    a.granted().thenRun(() -> loop.execute(() -> {
      timer.cancel(false);
      if (exchange == e && e.node == null) {
        connect(e, true);
      } else {
        a.release(); // the client left while it waited
      }
    }));
  }

  /** The proxy's own answer to a fetch that got no slot, in git's framing (an ERR packet). */
  private void refuseFetch(Exchange e, String message) {
    e.outcome = AccessRecord.Outcome.REFUSED;
    e.discardBody();
    send(e, RefusalResponse.failure(HttpResponseStatus.SERVICE_UNAVAILABLE, message, e.git(),
        e.clientKeepAlive && !isDraining()));
    if (!e.requestReceived()) {
      read(); // drain the body, so the client reads the answer rather than a reset
    }
  }

  // ---------------------------------------------------------------- choosing a backend connection

  /** Sends {@code e} to its current candidate, on a pooled connection when {@code mayReuse}. */
  private void connect(Exchange e, boolean mayReuse) {
    Node node = e.candidates.get(e.candidate);
    e.node = node;
    EventLoop loop = ctx.channel().eventLoop();
    Channel pooled = mayReuse ? server.connections().pooled(loop, node) : null;
    if (pooled != null) {
      attach(e, pooled, true);
      return;
    }
    ChannelFuture f = server.connections().connect(loop, node);
    f.addListener((ChannelFuture cf) -> {
      if (exchange != e) {
        cf.channel().close(); // the client left meanwhile
      } else if (cf.isSuccess()) {
        attach(e, cf.channel(), false);
      } else {
        connectFailed(e, node, cf.cause());
      }
    });
  }

  private void connectFailed(Exchange e, Node node, Throwable cause) {
    server.observer().nodeFailed(node, cause);
    if (!e.bodyStarted && e.hasFallback()) {
      LOG.info("{}: no connection to {} ({}); trying {}", settings.proxyName(),
          node.name(), cause.toString(), e.candidates.get(e.candidate + 1).name());
      e.candidate++;
      connect(e, true);
      return;
    }
    LOG.warn("{}: no connection to {} at {}: {}", settings.proxyName(), node.name(),
        node.http(), cause.toString());
    e.outcome = AccessRecord.Outcome.BACKEND_FAILED;
    String tried = e.candidates.size() > 1 ? " (tried " + (e.candidate + 1) + " nodes)" : "";
    answer(e, HttpResponseStatus.BAD_GATEWAY,
        "The proxy could not connect to Gerrit node " + node.name() + tried + ": "
            + describe(cause) + ". Retry in a little while; if it persists, tell your Gerrit"
            + " administrator.");
  }

  /** Writes the request head on {@code backend}; the body follows as the client sends it. */
  private void attach(Exchange e, Channel backend, boolean reused) {
    e.backend = backend;
    e.backendReused = reused;
    e.connectionAttached();
    backend.pipeline().get(BackendHandler.class).bind(e, this, settings.nodeHeader());
    ChannelFuture f = backend.write(ProxyHeaders.toBackend(
        e.request, e.target, e.node, clientIp, settings.isHttps()));
    // A retry after the client's (empty) last chunk was read: send that end again too.
    boolean complete = e.requestReceived() && !e.bodyStarted;
    if (complete) {
      f = backend.write(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    backend.flush();
    f.addListener((ChannelFuture wf) -> {
      if (exchange != e || e.backend != backend) {
        return;
      }
      if (wf.isSuccess()) {
        backend.read(); // for 100 Continue, or a response that does not wait for the body
        if (complete) {
          requestSent(e);
        } else if (!e.requestReceived()) {
          read(); // the first body chunk, or the end of a bodyless request
        }
      } else if (reused && !e.bodyStarted) {
        // A stale pooled connection: nothing reached the node; a fresh one will do.
        retire(e, backend);
        connect(e, false);
      } else {
        backend.close(); // BackendHandler reports the failure
      }
    });
  }

  // ---------------------------------------------------------------- the request body

  private void onContent(HttpContent content) {
    Exchange e = exchange;
    if (e == null) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      Throwable cause = content.decoderResult().cause();
      content.release();
      e.outcome = AccessRecord.Outcome.BAD_REQUEST;
      if (e.backend != null) {
        retire(e, e.backend).close();
      }
      if (e.responseStarted()) {
        ctx.close();
      } else {
        answerAndClose(e, HttpResponseStatus.BAD_REQUEST,
            "The request body is not valid HTTP/1.1 framing (" + badInput(cause) + ").");
      }
      return;
    }
    boolean last = content instanceof LastHttpContent;
    if (e.receiveCommands != null && e.pushFinished == null) {
      learnPush(e, content, last);
    }
    e.requestBytes += content.content().readableBytes();
    if (last) {
      e.requestEnded();
    }
    switch (e.requestState()) {
      case DISCARDING, DROPPED -> {
        content.release();
        if (last) {
          maybeFinish(e);
        } else {
          read();
        }
      }
      case STREAMING, RECEIVED, SENT -> forward(e, content, last);
    }
  }

  /**
   * Reads a push's commands as they pass, and tells the replica tracker once they are known
   * (before the pack follows, so before any client can hear of the update from Gerrit).
   */
  private void learnPush(Exchange e, HttpContent content, boolean last) {
    io.netty.buffer.ByteBuf buf = content.content();
    if (buf.isReadable()) {
      e.receiveCommands.feed(io.netty.buffer.ByteBufUtil.getBytes(buf));
    }
    String project = e.classified.classification().project().orElseThrow();
    switch (e.receiveCommands.state()) {
      case DONE -> {
        List<RefTarget> commands = e.receiveCommands.commands().orElseThrow();
        e.pushFinished = commands.isEmpty() ? () -> { }
            : server.replicas().pushStarted(project, commands);
      }
      case UNREADABLE -> e.pushFinished = server.replicas().pushStarted(project, List.of());
      case READING -> {
        if (last) {
          e.pushFinished = server.replicas().pushStarted(project, List.of());
        }
      }
    }
  }

  /**
   * Writes one chunk of the request body to the node. Backpressure, as in Netty's proxy example:
   * the next chunk is read from the client only once this one is written.
   */
  private void forward(Exchange e, HttpContent content, boolean last) {
    Channel backend = e.backend;
    if (backend == null) {
      // Body bytes with nowhere to go would leave a hole in the request: give up on it.
      content.release();
      ctx.close();
      return;
    }
    if (content.content().isReadable()) {
      e.bodyStarted = true;
    }
    backend.writeAndFlush(content).addListener((ChannelFuture f) -> {
      if (exchange != e) {
        return;
      }
      if (f.isSuccess() && e.backend == backend) {
        if (last) {
          requestSent(e);
        } else {
          read();
        }
      } else if (e.discarding()) {
        // The response is complete already and the node let go: drop the rest of the body.
        if (last) {
          maybeFinish(e);
        } else {
          read();
        }
      } else if (!f.isSuccess()) {
        backend.close(); // BackendHandler reports the failure
      }
    });
  }

  private void requestSent(Exchange e) {
    e.requestSent();
    if (e.nodeDone()) {
      releaseBackend(e);
    }
  }

  // ---------------------------------------------------------------- what BackendHandler tells (ClientSide)

  /** The node's response is complete: its connection goes back to the pool when reusable. */
  @Override
  public void responseReceived(Exchange e) {
    if (exchange != e) {
      return;
    }
    RequestClass c = e.classified == null ? null : e.classified.classification().requestClass();
    // The receive-pack advertisement is a GET of class WRITE: only what can change state counts.
    // Noted now that the node has answered, before the client sees the response end, so that a
    // read the client sends right after it is already routed to the master.
    if ((c == RequestClass.WRITE || c == RequestClass.SUBMIT) && !e.isSafeMethod()
        && e.status < 400) {
      server.readYourWrites().wrote(ReadYourWrites.writer(e.user, e.sessionKey),
          server.snapshot().table().routing().readYourWrites());
    }
    if (!e.requestReceived()) {
      // Answered before the body was all sent: the rest is dropped, and with it the connection.
      e.discardBody();
      retire(e, e.backend).close();
    } else if (e.requestState() == Exchange.RequestState.SENT) {
      releaseBackend(e);
    } // else requestSent() releases it once the last chunk is out
  }

  private void releaseBackend(Exchange e) {
    Channel backend = e.backend;
    if (backend == null) {
      return;
    }
    retire(e, backend);
    if (e.backendReusable) {
      server.connections().release(backend, e.node);
    } else {
      backend.close();
    }
  }

  /** Detaches {@code backend} from {@code e}, so its closing is no longer the exchange's concern. */
  private Channel retire(Exchange e, Channel backend) {
    backend.pipeline().get(BackendHandler.class).bind(null, null, Optional.empty());
    if (e.backend == backend) {
      e.backend = null;
    }
    return backend;
  }

  /** The response's last byte reached the client. */
  @Override
  public void responseWritten(Exchange e) {
    if (exchange != e) {
      return;
    }
    e.responseWritten();
    if (!e.requestReceived()) {
      e.discardBody();
      read();
    }
    maybeFinish(e);
  }

  /**
   * The node's connection failed before its response was complete. Before anything was relayed
   * it may be retried; after, the client's connection is closed so that it never mistakes a
   * truncated response for a whole one.
   */
  @Override
  public void backendFailed(Exchange e, Throwable cause, Channel backend) {
    if (exchange != e || e.backend != backend) {
      return;
    }
    retire(e, backend);
    boolean staleRetry = e.backendReused && !e.responseStarted() && !e.bodyStarted
        && e.hasNoBody() && e.requestReceived() && e.isIdempotent();
    if (staleRetry) {
      LOG.debug("{}: kept-alive connection to {} closed before answering; retrying on a new one",
          settings.proxyName(), e.node.name());
      connect(e, false);
      return;
    }
    if (!e.backendReused || (e.responseStarted() && cause instanceof IOException)) {
      server.observer().nodeFailed(e.node, cause);
    }
    e.outcome = AccessRecord.Outcome.BACKEND_FAILED;
    if (e.responseStarted()) {
      LOG.warn("{}: Gerrit node {} failed in the middle of a response to {} {} ({}); closing the"
              + " client connection", settings.proxyName(), e.node.name(),
          e.request.method(), ProxyHeaders.pathOf(e.target), cause.toString());
      // What was relayed goes out, then the end of the connection tells the client the response
      // is incomplete: its length, or its missing last chunk, is never made up for.
      closeOnFlush(ctx.channel());
      return;
    }
    if (!e.requestReceived()) {
      e.clientKeepAlive = false;
    }
    e.discardBody();
    LOG.warn("{}: Gerrit node {} failed before answering {} {}: {}", settings.proxyName(),
        e.node.name(), e.request.method(), ProxyHeaders.pathOf(e.target), cause.toString());
    String notRetried = e.bodyStarted
        ? " The request was not retried elsewhere because its body had already been sent."
        : "";
    answer(e, HttpResponseStatus.BAD_GATEWAY,
        "Gerrit node " + e.node.name() + " closed the connection before answering ("
            + describe(cause) + ")." + notRetried + " Retry the request; if it keeps failing,"
            + " tell your Gerrit administrator.");
  }

  @Override
  public void clientWriteFailed(Exchange e, Throwable cause) {
    if (exchange == e) {
      e.outcome = AccessRecord.Outcome.CLIENT_ABORTED;
    }
    ctx.close();
  }

  // ---------------------------------------------------------------- answers of the proxy itself

  private void refuse(Exchange e, RouteDecision.Refuse refusal) {
    e.outcome = AccessRecord.Outcome.REFUSED;
    e.discardBody();
    LOG.debug("{}: refused {} {}: {}", settings.proxyName(), e.request.method(),
        ProxyHeaders.pathOf(e.target), refusal.message());
    send(e, RefusalResponse.forRefusal(refusal, e.git(), e.clientKeepAlive && !isDraining()));
    if (!e.requestReceived()) {
      read(); // drain the body, so the client reads the answer rather than a reset
    }
  }

  private void badRequest(Exchange e, Throwable cause) {
    if (cause instanceof TooLongHttpHeaderException) {
      answerAndClose(e, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "The request headers are larger than the " + settings.maxHeaderSize()
              + " bytes this proxy accepts; send fewer or smaller headers (cookies, tokens).");
    } else if (cause instanceof TooLongHttpLineException) {
      answerAndClose(e, HttpResponseStatus.REQUEST_URI_TOO_LONG,
          "The request line is longer than the " + settings.maxHeaderSize()
              + " bytes this proxy accepts; shorten the URL.");
    } else if (cause instanceof TooLongFrameException) {
      answerAndClose(e, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "The request is larger than this proxy accepts (" + badInput(cause) + ").");
    } else {
      answerAndClose(e, HttpResponseStatus.BAD_REQUEST,
          "The request is not valid HTTP/1.1 (" + badInput(cause) + "); the connection is closed.");
    }
  }

  private void answerAndClose(Exchange e, HttpResponseStatus status, String message) {
    closing = true;
    if (e.outcome == AccessRecord.Outcome.COMPLETED) {
      e.outcome = AccessRecord.Outcome.BAD_REQUEST;
    }
    e.clientKeepAlive = false;
    e.discardBody();
    e.requestEnded(); // nothing more is read on this connection
    send(e, RefusalResponse.plainText(status, message, false));
  }

  private void answer(Exchange e, HttpResponseStatus status, String message) {
    boolean keepAlive = e.clientKeepAlive && e.requestReceived() && !isDraining();
    e.clientKeepAlive = keepAlive;
    e.requestEnded(); // if it was not yet, the connection closes: the rest is not awaited
    send(e, RefusalResponse.failure(status, message, e.git(), keepAlive));
  }

  private void send(Exchange e, FullHttpResponse response) {
    e.answered();
    e.status = response.status().code();
    e.responseBytes = response.content().readableBytes();
    ctx.writeAndFlush(response).addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        clientWriteFailed(e, f.cause());
      } else if (exchange == e) {
        e.responseWritten();
        maybeFinish(e);
      }
    });
  }

  // ---------------------------------------------------------------- the end of an exchange

  private void maybeFinish(Exchange e) {
    if (exchange != e || !e.responseDone() || !e.requestReceived()) {
      return;
    }
    exchange = null;
    record(e);
    if (!stream && e.clientKeepAlive && !isDraining() && ctx.channel().isActive()) {
      deadline.awaitRequest();
      read();
    } else {
      ctx.close();
    }
  }

  private void record(Exchange e) {
    if (e.admission != null) {
      e.admission.release(); // the slot, or the place in the queue, goes to the next fetch
    }
    if (e.finished) {
      return;
    }
    e.finished = true;
    if (e.pushFinished != null) {
      e.pushFinished.run();
    }
    AccessRecord<HttpRequestLine> r = e.toRecord();
    AccessLog.write(r);
    try {
      server.observer().completed(r);
    } catch (RuntimeException ex) {
      LOG.warn("{}: the exchange observer failed", settings.proxyName(), ex);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == RequestDeadline.HEADERS_TOO_SLOW) {
      if (exchange == null) {
        Exchange e = new Exchange(new io.netty.handler.codec.http.DefaultHttpRequest(
            io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
            io.netty.handler.codec.http.HttpMethod.valueOf("-"), "-"), "-", clientIp,
            Optional.empty());
        exchange = e;
        answerAndClose(e, HttpResponseStatus.REQUEST_TIMEOUT,
            "The request headers did not arrive within "
                + settings.headerTimeout().toSeconds() + "s; the connection is closed."
                + " Check the network between you and the proxy.");
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  /** Server shutdown: finish the exchange under way, if any, then close. */
  void drain() {
    draining = true;
    if (exchange == null) {
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Exchange e = exchange;
    exchange = null;
    if (e != null) {
      if (e.backend != null) {
        retire(e, e.backend).close();
      }
      if (!e.responseDone() && e.outcome == AccessRecord.Outcome.COMPLETED) {
        e.outcome = AccessRecord.Outcome.CLIENT_ABORTED;
      }
      record(e);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException || cause instanceof io.netty.handler.codec.DecoderException) {
      // Resets, broken pipes, TLS garbage from scanners: routine, and no concern of the operator.
      LOG.debug("{}: client {} connection failed: {}", settings.proxyName(), clientIp,
          cause.toString());
    } else {
      LOG.warn("{}: client {} connection failed", settings.proxyName(), clientIp, cause);
    }
    ctx.close();
  }

  /** What was wrong with the client's own bytes, as the decoder says it. */
  private static String badInput(Throwable cause) {
    String m = cause == null ? null : cause.getMessage();
    return m == null || m.isBlank() ? "malformed" : m;
  }

  /**
   * A short reason for a client to read: no addresses or internals of the cluster, which the
   * operator finds in the proxy's own log.
   */
  static String describe(Throwable cause) {
    if (cause instanceof java.net.ConnectException) {
      return "connection refused";
    }
    if (cause instanceof io.netty.channel.ConnectTimeoutException
        || cause instanceof java.net.SocketTimeoutException) {
      return "connection timed out";
    }
    if (cause instanceof java.net.UnknownHostException) {
      return "its host name does not resolve";
    }
    if (cause instanceof java.nio.channels.ClosedChannelException) {
      return "connection closed";
    }
    if (cause instanceof javax.net.ssl.SSLException) {
      return "TLS failed";
    }
    if (cause instanceof IOException) {
      String m = cause.getMessage();
      return m != null && m.toLowerCase(java.util.Locale.ROOT).contains("reset")
          ? "connection reset" : "network error";
    }
    if (cause instanceof io.netty.handler.codec.DecoderException
        || cause instanceof IllegalStateException) {
      return cause.getMessage() == null ? "invalid HTTP" : cause.getMessage();
    }
    return cause == null ? "unknown error" : cause.getClass().getSimpleName();
  }

  /** Closes {@code ch} once everything written to it is flushed (as in Netty's proxy example). */
  static void closeOnFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
