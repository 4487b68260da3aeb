package org.gerritproxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.gerritproxy.http.packcache.PackCache;
import org.gerritproxy.packstore.PackCacheObserver.Outcome;
import org.gerritproxy.packstore.PackFill;
import org.gerritproxy.packstore.PackSource;
import org.gerritproxy.packstore.PackStore;
import org.gerritproxy.packstore.TipNames;
import org.gerritproxy.http.packcache.RequestCoalescer;
import org.gerritproxy.routing.GitHttpRequest;
import org.gerritproxy.routing.HttpClassification;
import org.gerritproxy.routing.HttpRequestClassifier;
import org.gerritproxy.routing.Node;
import org.gerritproxy.routing.ReadYourWrites;
import org.gerritproxy.routing.RequestTarget;
import org.gerritproxy.routing.RouteDecision;
import org.gerritproxy.routing.Router;
import org.gerritproxy.routing.RoutingSnapshot;
import org.gerritproxy.routing.SessionKey;
import org.gerritproxy.routing.packcache.Coalescing;
import org.gerritproxy.routing.packcache.FetchRequest;
import org.gerritproxy.routing.packcache.VisibleRefs;
import org.gerritproxy.routing.replication.ReplicaFreshness;
import org.gerritproxy.routing.traffic.AccessRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pack cache's place in a client connection, between the HTTP codec and the relay: it takes
 * a protocol v2 {@code git-upload-pack} POST of a covered project, reads its (small) body, and
 * either answers it from the cache or hands it on to {@link FrontendHandler} unchanged, as if it
 * had never been looked at. Everything else passes by untouched.
 *
 * <p>Safe by construction: an answer comes from the cache only when every object wanted is the
 * tip of a ref that the user's own {@code ls-refs}, asked of Gerrit with the user's credentials,
 * shows. If that check fails or errs, Gerrit gets the request and decides.
 *
 * <p>It also coalesces the ref requests around a fetch (the protocol v2 capability advertisement
 * and the user's own {@code ls-refs}): identical ones with the same credentials, at the same time,
 * are asked of Gerrit once ({@link RequestCoalescer}); the leader's request goes through the relay
 * as any other, and this handler copies its answer on the way out for those that waited.
 *
 * <p>While it holds a request it keeps the relay's read requests for itself (the relay asks for
 * one message at a time), and gives them back when it is done.
 */
final class PackCacheHandler extends ChannelDuplexHandler {

  private static final Logger LOG = LoggerFactory.getLogger(PackCacheHandler.class);
  /** A fetch request body (as sent, maybe gzip) beyond this is no cache's business. */
  static final int MAX_BODY = 1024 * 1024;
  /** The same, unzipped. */
  static final int MAX_INFLATED = 8 * 1024 * 1024;
  private static final int CHUNK = 64 * 1024;
  /** Tells a client, and a test, how its fetch was answered. */
  static final String CACHE_HEADER = "X-Gerrit-Proxy-Pack-Cache";

  private enum State {
    /** Not ours: messages and read requests pass by. */
    PASSING,
    /** A candidate request's body is being read. */
    COLLECTING,
    /** Asking the user's ls-refs of the node. */
    CHECKING,
    /** Waiting for an identical ref request's answer, or its turn to lead. */
    JOINING,
    /** Sending the answer from a cache entry, finished or being filled. */
    SERVING
  }

  private final HttpFrontend server;
  private final HttpFrontendSettings settings;
  private ChannelHandlerContext ctx;
  private State state = State.PASSING;
  /** The relay asked for a message while this handler held the connection. */
  private boolean relayWaiting;
  /** Messages that came while a request was held (a pipelining client); handed on afterwards. */
  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private boolean draining;

  // The request held now.
  private PackCache cache;
  private HttpRequest request;
  private String origin;
  private String project;
  private HttpClassification classified;
  private CompositeByteBuf body;
  private Instant start;
  private long startNanos;
  private String clientIp = "-";
  private Optional<String> user = Optional.empty();
  private Node node;
  private PackSource source;
  private Outcome outcome;
  private long position;
  private boolean keepAlive;
  /** The relay's answer to a coalesced request this connection leads, copied on its way out. */
  private Capture capture;

  PackCacheHandler(HttpFrontend server, HttpFrontendSettings settings) {
    this.server = server;
    this.settings = settings;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (state == State.PASSING) {
      ctx.read();
    } else {
      relayWaiting = true;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case PASSING -> {
        if (msg instanceof HttpRequest r && takes(r)) {
          begin(r);
        } else {
          ctx.fireChannelRead(msg);
        }
      }
      case COLLECTING -> {
        if (msg instanceof HttpContent c) {
          collect(c);
        } else {
          held.add(msg);
        }
      }
      case CHECKING, JOINING, SERVING -> held.add(msg);
    }
  }

  /**
   * A v2 {@code git-upload-pack} POST (a fetch, or an ls-refs) or capability advertisement GET of
   * a covered project, well-formed enough that the cache may look at it.
   */
  private boolean takes(HttpRequest r) {
    PackCache c = server.packCache();
    String method = r.method().name();
    if (c.store().isEmpty() || draining || !(method.equals("POST") || method.equals("GET"))
        // HTTP/1.1 only: the answer is chunked, which HTTP/1.0 does not know.
        || r.decoderResult().isFailure() || !r.protocolVersion().equals(HttpVersion.HTTP_1_1)
        || r.headers().contains(HttpHeaderNames.EXPECT)
        || HostHeader.problem(r).isPresent()) {
      return false;
    }
    String protocol = r.headers().get("Git-Protocol");
    if (protocol == null || !protocol.contains("version=2")) {
      return false;
    }
    String encoding = r.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !encoding.equalsIgnoreCase("gzip")) {
      return false;
    }
    RequestTarget target = RequestTarget.parse(r.uri());
    Optional<String> o = target.originForm();
    if (o.isEmpty()) {
      return false;
    }
    HttpClassification k = HttpRequestClassifier.classifyRequest(method, target);
    // A POST: a fetch (cached) or an ls-refs (coalesced); a GET: the capability advertisement.
    GitHttpRequest.Step step = method.equals("POST")
        ? GitHttpRequest.Step.RPC : GitHttpRequest.Step.ADVERTISEMENT;
    boolean ours = k.git().filter(g -> g.step() == step
        && g.service().equals(GitHttpRequest.UPLOAD_PACK)).isPresent();
    Optional<String> p = k.classification().project();
    if (!ours || p.isEmpty() || !c.covers(p.get())) {
      return false;
    }
    cache = c;
    origin = o.get();
    project = p.get();
    classified = k;
    return true;
  }

  private void begin(HttpRequest r) {
    request = r;
    start = Instant.now();
    startNanos = System.nanoTime();
    InetSocketAddress proxied = ctx.channel().attr(ProxyProtocol.CLIENT).get();
    if (proxied != null) {
      clientIp = proxied.getAddress().getHostAddress();
    } else if (ctx.channel().remoteAddress() instanceof InetSocketAddress inet
        && inet.getAddress() != null) {
      clientIp = inet.getAddress().getHostAddress();
    }
    user = SessionKey.userFromAuthorization(r.headers().get(HttpHeaderNames.AUTHORIZATION));
    keepAlive = HttpUtil.isKeepAlive(r);
    deadline().exchangeStarted();
    body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
    state = State.COLLECTING;
    ctx.read();
  }

  private void collect(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      body.addComponent(true, c.content());
      passOn(true, null); // the relay answers bad framing as it always does
      return;
    }
    body.addComponent(true, c.content());
    if (body.readableBytes() > MAX_BODY) {
      passOn(c instanceof LastHttpContent, "too_large"); // the rest of the body follows as it comes
      return;
    }
    if (c instanceof LastHttpContent) {
      decide();
    } else {
      ctx.read();
    }
  }

  // ---------------------------------------------------------------- the decision

  private void decide() {
    if (request.method().name().equals("GET")) {
      coalesce(Coalescing.Kind.ADVERTISEMENT, Optional.empty());
      return;
    }
    FetchRequest fetch;
    try {
      fetch = FetchRequest.parse(project, inflated());
    } catch (IOException | IllegalArgumentException e) {
      LOG.debug("pack cache: a fetch of {} is passed on unread: {}", project, e.toString());
      passOn(true, "unreadable");
      return;
    }
    if (fetch.command().equals("ls-refs")) {
      coalesce(Coalescing.Kind.UPLOAD_PACK_RPC, Optional.of(fetch.command()));
      return;
    }
    Optional<String> uncacheable = fetch.uncacheableBecause();
    if (uncacheable.isPresent()) {
      // ls-refs and the like are no fetch the cache passed up: not counted.
      LOG.debug("pack cache: a {} of {} is passed on: {}", fetch.command(), project,
          uncacheable.get());
      passOn(true, fetch.command().equals("fetch") ? "uncacheable" : null);
      return;
    }
    Optional<Node> target = route();
    if (target.isEmpty()) {
      passOn(true, "refused"); // the relay says why, as it does for every refusal
      return;
    }
    node = target.get();
    state = State.CHECKING;
    Map<String, String> credentials = credentials();
    PackCache c = cache;
    c.nodes().lsRefs(nodeUrl(node), credentials, fetch.objectFormat(),
        c.scope().tipNames().checkPrefixes(fetch))
        .whenComplete((refs, err) -> ctx.executor().execute(() -> checked(fetch, refs, err)));
  }

  private void checked(FetchRequest fetch, VisibleRefs refs, Throwable err) {
    if (state != State.CHECKING) {
      return; // the client left
    }
    if (err != null) {
      LOG.info("pack cache: the ls-refs check for {} on {} failed ({}); passing the fetch on",
          project, node.name(), err.toString());
      passOn(true, "check_failed");
      return;
    }
    cache.scope().tipNames().checked(fetch, refs);
    if (!refs.mayBeServed(fetch)) {
      passOn(true, "not_visible"); // Gerrit decides whether this user may have these objects
      return;
    }
    PackStore store = cache.store().orElseThrow();
    PackStore.Lookup found = store.lookup(refs.entryKey(fetch));
    if (found instanceof PackStore.Lookup.Hit hit) {
      serve(hit.source(), Outcome.HIT);
    } else if (found instanceof PackStore.Lookup.Follow follow) {
      serve(follow.source(), Outcome.COALESCED);
    } else if (found instanceof PackStore.Lookup.Lead lead) {
      fill(lead.fill());
      serve(lead.source(), Outcome.MISS);
    } else {
      LOG.debug("pack cache: a fetch of {} is passed on: {}", project,
          ((PackStore.Lookup.Unavailable) found).why());
      passOn(true, "unavailable");
    }
  }

  // ---------------------------------------------------------------- coalescing ref requests

  /**
   * A ref request read whole: if an identical one of the same credentials is under way, waits
   * for the next round's answer; else leads, through the relay.
   */
  private void coalesce(Coalescing.Kind kind, Optional<String> command) {
    Optional<Node> target = route();
    if (target.isEmpty()) {
      passOn(true, null); // the relay refuses it, saying why
      return;
    }
    node = target.get();
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    request.headers().forEach(headers::add);
    Coalescing.Decision d = Coalescing.decide(new Coalescing.Request(request.method().name(),
        origin, node.name(), kind, headers, ByteBufUtil.getBytes(body), command));
    if (d instanceof Coalescing.Decision.Alone alone) {
      LOG.debug("pack cache: a ref request of {} goes alone: {}", project, alone.why());
      passOn(true, null);
      return;
    }
    String key = ((Coalescing.Decision.Join) d).key();
    state = State.JOINING;
    Node n = node;
    io.netty.channel.Channel ch = ctx.channel();
    cache.nodes().coalescer().join(key,
        part -> ctx.executor().execute(() -> turn(part, kind, n)), ch::isActive);
  }

  /** This request's part in its round. */
  private void turn(RequestCoalescer.Part part, Coalescing.Kind kind, Node n) {
    if (state != State.JOINING) {
      // The client left while it waited: whoever waits on it must not wait in vain.
      if (part instanceof RequestCoalescer.Part.Lead lead) {
        lead.round().publish(Optional.empty());
      }
      return;
    }
    PackCache c = cache;
    if (part instanceof RequestCoalescer.Part.Lead lead) {
      c.observer().coalesced("led");
      capture = new Capture(lead.round(), kind, n.name(), c.scope().tipNames(), project);
      passOn(true, null);
    } else if (part instanceof RequestCoalescer.Part.Answer answer) {
      c.observer().coalesced("shared");
      serveShared(answer.answer());
    } else {
      c.observer().coalesced("alone");
      passOn(true, null);
    }
  }

  /** Sends the leader's answer as this request's own. */
  private void serveShared(RequestCoalescer.SharedAnswer a) {
    state = State.SERVING;
    keepAlive = keepAlive && !draining && !server.isDraining();
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(a.status()), io.netty.buffer.Unpooled.wrappedBuffer(a.body()));
    a.headers().forEach(h -> r.headers().add(h.getKey(), h.getValue()));
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length)
        .set(CACHE_HEADER, "coalesced");
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.writeAndFlush(r).addListener((ChannelFuture f) -> {
      if (state != State.SERVING) {
        return;
      }
      boolean whole = f.isSuccess();
      record(whole ? AccessRecord.Outcome.COMPLETED : AccessRecord.Outcome.CLIENT_ABORTED,
          a.status(), a.body().length, Optional.of(a.node()));
      reset();
      continueOrClose(whole);
    });
  }

  /**
   * The relay's answer to a request this connection leads, copied as it goes out: shared with the
   * round when it is whole, came from the node, and {@link Coalescing#unshareableBecause} finds
   * nothing against it.
   */
  private static final class Capture {
    final RequestCoalescer.Round round;
    final Coalescing.Kind kind;
    final String node;
    int status = -1;
    boolean fromProxy;
    List<Map.Entry<String, String>> headers;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    /** Where the names of a client's ls-refs answer go, and of which project. */
    final TipNames names;
    final String project;
    /** The answer, once published to the round. */
    RequestCoalescer.SharedAnswer shared;

    Capture(RequestCoalescer.Round round, Coalescing.Kind kind, String node, TipNames names,
        String project) {
      this.round = round;
      this.kind = kind;
      this.node = node;
      this.names = names;
      this.project = project;
    }

    /** Looks at one outgoing message; true when the answer is over (and published). */
    boolean see(Object msg) {
      if (msg instanceof HttpResponse r) {
        if (r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL) {
          return false; // an interim answer; the real one follows
        }
        status = r.status().code();
        // The relay writes the node's head alone and its body after; a whole response in one
        // message is the proxy's own (a refusal, an error), never Gerrit's, so never shared.
        fromProxy = msg instanceof FullHttpResponse;
        headers = new ArrayList<>();
        for (Map.Entry<String, String> h : r.headers()) {
          String name = h.getKey();
          if (!name.equalsIgnoreCase("content-length")
              && !name.equalsIgnoreCase("transfer-encoding")
              && !name.equalsIgnoreCase("connection") && !name.equalsIgnoreCase("keep-alive")) {
            headers.add(Map.entry(name, h.getValue()));
          }
        }
      }
      if (status < 0 || !(msg instanceof HttpContent c)) {
        return false;
      }
      ByteBuf b = c.content();
      if (body != null) {
        if (body.size() + b.readableBytes() > Coalescing.MAX_SHARED_ANSWER) {
          body = null; // too large to keep for others: this client still gets all of it
        } else {
          try {
            b.getBytes(b.readerIndex(), body, b.readableBytes()); // one copy, straight in
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // a ByteArrayOutputStream never throws
          }
        }
      }
      if (!(msg instanceof LastHttpContent)) {
        return false;
      }
      byte[] whole = body == null ? null : body.toByteArray();
      Optional<String> why = fromProxy ? Optional.of("the proxy's own answer")
          : Coalescing.unshareableBecause(kind, status, headers, whole);
      if (why.isPresent()) {
        LOG.debug("pack cache: a ref answer is not shared: {}", why.get());
        round.publish(Optional.empty());
      } else {
        shared = new RequestCoalescer.SharedAnswer(status, headers, whole, node);
        round.publish(Optional.of(shared));
      }
      return true;
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    Capture c = capture;
    if (c != null) {
      try {
        if (c.see(msg)) {
          capture = null;
          learnNames(c);
        }
      } catch (RuntimeException e) {
        // Never in the way of the leader's own answer: the others ask Gerrit themselves.
        capture = null;
        c.round.publish(Optional.empty());
        LOG.warn("pack cache: copying a ref answer failed", e);
      }
    }
    ctx.write(msg, promise);
  }

  /**
   * A client's own ls-refs answer tells under which names the tips it may then want are: the
   * names the check of that fetch will ask about.
   */
  private void learnNames(Capture c) {
    if (c.kind == Coalescing.Kind.UPLOAD_PACK_RPC && c.shared != null) {
      c.names.learn(c.project, c.shared.body());
    }
  }

  /** Fetches from the node, with the user's credentials, into the new entry. */
  private void fill(PackFill fill) {
    Map<String, String> framing = new LinkedHashMap<>();
    String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null) {
      framing.put("Content-Encoding", encoding);
    }
    cache.nodes().fetchInto(nodeUrl(node), credentials(), framing,
        ByteBufUtil.getBytes(body), fill);
  }

  /** Where the relay would send this request; empty when it would refuse it. */
  private Optional<Node> route() {
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    String sessionKey = SessionKey.forHttp(request.headers().get(HttpHeaderNames.COOKIE),
        authorization, clientIp);
    RoutingSnapshot snapshot = server.snapshot();
    boolean fromMaster = server.readYourWrites().readsFromMaster(
        ReadYourWrites.writer(user, sessionKey), snapshot.table().routing().readYourWrites());
    ReplicaFreshness freshness = snapshot.table().cluster().replicated()
        ? server.replicas().freshness(Optional.of(project)) : ReplicaFreshness.NONE;
    RouteDecision d = Router.decide(classified.classification(), sessionKey, fromMaster, snapshot,
        freshness);
    return d instanceof RouteDecision.Forward f ? Optional.of(f.node()) : Optional.empty();
  }

  /** The user's credentials exactly as the client sent them, and who the client is. */
  private Map<String, String> credentials() {
    Map<String, String> h = new LinkedHashMap<>();
    String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (authorization != null) {
      h.put("Authorization", authorization);
    }
    String cookie = String.join("; ", request.headers().getAll(HttpHeaderNames.COOKIE));
    if (!cookie.isEmpty()) {
      h.put("Cookie", cookie);
    }
    h.put(ProxyHeaders.X_FORWARDED_FOR, clientIp);
    return h;
  }

  private URI nodeUrl(Node n) {
    URI base = n.http();
    return URI.create(base.getScheme() + "://" + base.getRawAuthority()
        + ProxyHeaders.backendTarget(n, origin));
  }

  private byte[] inflated() throws IOException {
    byte[] raw = ByteBufUtil.getBytes(body);
    String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding == null) {
      return raw;
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
      byte[] out = in.readNBytes(MAX_INFLATED + 1);
      if (out.length > MAX_INFLATED) {
        throw new IOException("the request inflates beyond " + MAX_INFLATED + " bytes");
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- handing the request on

  /**
   * Gives the request to the relay as it came: the head, then the body read so far as one chunk
   * (the last one when {@code complete}); any further chunks then pass by as they arrive.
   * {@code reason}: why the cache could not answer this fetch, as the metrics count it; null when
   * it is no fetch (ls-refs, bad framing).
   */
  private void passOn(boolean complete, String reason) {
    HttpRequest r = request;
    ByteBuf b = body;
    PackCache c = cache;
    body = null; // the relay owns it now
    reset();
    state = State.PASSING;
    if (reason != null) {
      c.observer().passed(reason);
    }
    ctx.fireChannelRead(r);
    ctx.fireChannelRead(complete ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b));
    resume();
  }

  /** Back to passing: what came meanwhile goes on, and a read the relay asked for is made. */
  private void resume() {
    while (!held.isEmpty() && state == State.PASSING) {
      ctx.fireChannelRead(held.poll());
    }
    if (relayWaiting && state == State.PASSING) {
      relayWaiting = false;
      ctx.read();
    }
  }

  // ---------------------------------------------------------------- serving from the cache

  private void serve(PackSource s, Outcome how) {
    state = State.SERVING;
    source = s;
    outcome = how;
    position = 0;
    keepAlive = keepAlive && !draining && !server.isDraining();
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/x-git-upload-pack-result")
        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
        .set(CACHE_HEADER, how.name().toLowerCase(java.util.Locale.ROOT));
    if (how == Outcome.MISS) {
      settings.nodeHeader().ifPresent(name -> head.headers().set(name, node.name()));
    }
    if (!keepAlive) {
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.writeAndFlush(head).addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        pump();
      } else {
        ended(AccessRecord.Outcome.CLIENT_ABORTED);
      }
    });
  }

  /**
   * Sends what the entry has beyond what was sent, one chunk per write, the next only once the
   * previous one is written (the client's pace, not the node's); waits for the fill when caught up.
   */
  private void pump() {
    if (state != State.SERVING) {
      return;
    }
    PackSource s = source;
    long available = s.available();
    if (position < available) {
      int n = (int) Math.min(CHUNK, available - position);
      ByteBuf buf = ctx.alloc().ioBuffer(n);
      int read;
      try {
        ByteBuffer nio = buf.nioBuffer(0, n);
        read = s.read(nio, position);
      } catch (IOException e) {
        buf.release();
        LOG.warn("pack cache: reading an entry failed: {}", e.toString());
        cut(AccessRecord.Outcome.BACKEND_FAILED);
        return;
      }
      if (read <= 0) {
        buf.release();
        cut(AccessRecord.Outcome.BACKEND_FAILED);
        return;
      }
      buf.writerIndex(read);
      position += read;
      ctx.writeAndFlush(new DefaultHttpContent(buf)).addListener((ChannelFuture f) -> {
        if (f.isSuccess()) {
          pump();
        } else {
          ended(AccessRecord.Outcome.CLIENT_ABORTED);
        }
      });
      return;
    }
    switch (s.state()) {
      case COMPLETE -> {
        if (position < s.available()) {
          pump(); // the last bytes came with the end
          return;
        }
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFuture f) -> {
          if (f.isSuccess()) {
            ended(AccessRecord.Outcome.COMPLETED);
          } else {
            ended(AccessRecord.Outcome.CLIENT_ABORTED);
          }
        });
      }
      // The node's answer broke off: the client's connection ends without the last chunk, so git
      // knows the answer is incomplete and never takes it for a whole one.
      case FAILED -> cut(AccessRecord.Outcome.BACKEND_FAILED);
      case WRITING -> {
        if (!s.awaitBeyond(position, () -> ctx.executor().execute(this::pump))) {
          pump();
        }
      }
    }
  }

  private void cut(AccessRecord.Outcome why) {
    ended(why);
    ctx.close();
  }

  /** The answer is over, one way or another: log it, count it, and pass requests again. */
  private void ended(AccessRecord.Outcome how) {
    if (state != State.SERVING) {
      return;
    }
    boolean whole = how == AccessRecord.Outcome.COMPLETED;
    record(how, 200, position,
        outcome == Outcome.MISS ? Optional.of(node.name()) : Optional.empty());
    cache.observer().answered(outcome, position);
    reset();
    continueOrClose(whole);
  }

  /** After an answer of this handler's own: the next request on this connection, or its end. */
  private void continueOrClose(boolean whole) {
    if (whole && keepAlive && !draining && !server.isDraining() && ctx.channel().isActive()) {
      deadline().awaitRequest();
      state = State.PASSING;
      // The relay is between exchanges, so it waits for the next request: read it for the relay
      // even if its ask never reached this handler (an extra read only queues a message).
      relayWaiting = true;
      resume();
    } else {
      state = State.PASSING;
      ctx.close();
    }
  }

  private void record(AccessRecord.Outcome how, int status, long bytesOut,
      Optional<String> nodeName) {
    AccessRecord<HttpRequestLine> r = new AccessRecord<>(AccessRecord.Frontend.HTTP, start,
        clientIp, user, Optional.of(classified.classification().requestClass()),
        classified.classification().label(),
        nodeName,
        status, how, body == null ? 0 : body.readableBytes(), bytesOut,
        Duration.ofNanos(System.nanoTime() - startNanos),
        new HttpRequestLine(request.method().name(), ProxyHeaders.pathOf(origin)));
    AccessLog.write(r);
    try {
      server.observer().completed(r);
    } catch (RuntimeException e) {
      LOG.warn("pack cache: the exchange observer failed", e);
    }
  }

  private void reset() {
    if (source != null) {
      source.close();
      source = null;
    }
    if (body != null) {
      body.release();
      body = null;
    }
    request = null;
    cache = null;
  }

  private RequestDeadline deadline() {
    return ctx.pipeline().get(RequestDeadline.class);
  }

  // ---------------------------------------------------------------- the connection's end

  /**
   * Server shutdown: true when this handler holds an exchange, which then ends the connection
   * when it is over; false when the relay should drain as usual.
   */
  boolean drain() {
    draining = true;
    return state != State.PASSING;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Capture c = capture;
    if (c != null) {
      // The leader's answer broke off (or its client left): the others ask Gerrit themselves.
      capture = null;
      c.round.publish(Optional.empty());
    }
    if (state == State.SERVING && source == null) {
      // A shared answer: its write fails now, and that write's listener logs and ends it.
      LOG.trace("pack cache: a client left during a shared answer");
    } else if (state == State.SERVING) {
      ended(AccessRecord.Outcome.CLIENT_ABORTED);
    } else if (state != State.PASSING) {
      state = State.PASSING;
      reset();
    }
    while (!held.isEmpty()) {
      ReferenceCountUtil.release(held.poll());
    }
    ctx.fireChannelInactive();
  }
}
