package org.gerritproxy.core.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.gerritproxy.core.ProxyProcess;
import org.gerritproxy.core.config.ConfigException;
import org.gerritproxy.core.config.ConfigProblem;
import org.gerritproxy.core.logs.Logging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run -c FILE}: the proxy in the foreground until SIGTERM or Ctrl-C; SIGHUP reloads. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Runs the proxy in the foreground with the given configuration.")
public final class RunCommand implements Callable<Integer> {

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "The proxy.config to run with.")
  Path config;

  @Override
  public Integer call() throws Exception {
    ProxyProcess proxy;
    try {
      proxy = ProxyProcess.start(config);
    } catch (ConfigException e) {
      System.err.println("gerrit-proxy: the configuration is not valid; nothing was started.");
      for (ConfigProblem p : e.problems()) {
        System.err.println(p);
      }
      return 1;
    } catch (IllegalStateException e) {
      System.err.println("gerrit-proxy: " + e.getMessage());
      return 1;
    }
    awaitTermination(proxy);
    return 0;
  }

  /** Blocks until the JVM is asked to stop; then shuts the proxy down gracefully. */
  static void awaitTermination(ProxyProcess proxy) throws InterruptedException {
    awaitTermination(proxy, () -> {});
  }

  /**
   * Blocks until the JVM is asked to stop; then shuts the proxy down gracefully, runs {@code
   * afterProxy}, and stops the logging last, so that every line logged on the way out is kept.
   */
  public static void awaitTermination(ProxyProcess proxy, Runnable afterProxy) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      proxy.close();
      afterProxy.run();
      Logging.stop(); // the access logs' buffered lines reach their files
      stopped.countDown();
    }, "shutdown"));
    Signals.onHangup(proxy::reload);
    stopped.await();
  }
}
