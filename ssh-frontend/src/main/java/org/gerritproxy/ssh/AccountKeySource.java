package org.gerritproxy.ssh;

import java.security.PublicKey;
import java.util.List;
import java.util.Optional;

/** Where users' SSH public keys come from: Gerrit's accounts, or a stand-in in tests. */
public interface AccountKeySource {

  /**
   * The user's valid keys, or empty when Gerrit has no such user.
   *
   * @throws KeyLookupException when Gerrit could not be asked
   */
  Optional<List<PublicKey>> keysOf(String user) throws KeyLookupException;
}
