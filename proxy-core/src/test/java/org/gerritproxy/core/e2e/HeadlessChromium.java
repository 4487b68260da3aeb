package org.gerritproxy.core.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's real Chromium, headless, with a throw-away profile: the dashboard as browsers see it. */
final class HeadlessChromium {
  static final Path BINARY = Path.of("/usr/bin/chromium");

  private HeadlessChromium() {}

  /**
   * Runs Chromium with {@code args} ({@code --dump-dom URL}, {@code --screenshot=PNG URL}, ...)
   * and returns what it printed; fails the test when it does not exit 0 within 60 s.
   */
  static String run(Path profile, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        "--user-data-dir=" + profile));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish within 60 s");
    }
    assertThat(p.exitValue()).as("chromium exit status").isZero();
    return new String(out, StandardCharsets.UTF_8);
  }
}
