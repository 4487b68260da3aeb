package org.gerritproxy.ssh;

import java.io.IOException;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionFactory;

/**
 * A client's session channel that resumes its stderr, not only its stdout, when the client's
 * window grows. MINA's own (up to 2.17.1 and its main branch) wakes only the stdout stream, so
 * stderr that a node wrote while the client's window was full waited for good: the client had
 * every byte of stdout and waited for a close that never came (one of 50 concurrent SSH clones
 * hung this way in a bench run).
 */
final class ClientChannelSession extends ChannelSession {
  /** Makes these in place of MINA's session channels. */
  static final ChannelSessionFactory FACTORY = new ChannelSessionFactory() {
    @Override
    public Channel createChannel(org.apache.sshd.common.session.Session session) {
      return new ClientChannelSession();
    }
  };

  @Override
  public void handleWindowAdjust(Buffer buffer) throws IOException {
    super.handleWindowAdjust(buffer);
    if (asyncErr != null) {
      asyncErr.onWindowExpanded();
    }
  }
}
