package org.gerritproxy.ssh;

import java.io.IOException;

/** Gerrit could not be asked for a user's keys: no node answered, or none answered sensibly. */
public final class KeyLookupException extends IOException {
  private static final long serialVersionUID = 1L;

  public KeyLookupException(String message, Throwable cause) {
    super(message, cause);
  }
}
