package org.gerritproxy.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * A block of addresses written {@code 10.0.0.0/8}, {@code 192.0.2.7} (one address) or {@code
 * fd00::/8}: the sources, such as an L4 load balancer, whose connections carry a PROXY protocol
 * header naming the real client.
 *
 * @param network the address with every bit past {@code prefix} cleared
 */
public record Cidr(InetAddress network, int prefix) {

  public Cidr {
    Objects.requireNonNull(network, "network");
    int bits = network.getAddress().length * 8;
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException("prefix /" + prefix + " is outside 0.." + bits);
    }
    network = masked(network, prefix);
  }

  /**
   * Parses {@code ADDRESS/PREFIX} or a single {@code ADDRESS}, IPv4 or IPv6, literal addresses
   * only (a host name would make the answer hang on DNS).
   *
   * @throws IllegalArgumentException with a sentence saying what to write instead
   */
  public static Cidr parse(String text) {
    String s = Objects.requireNonNull(text, "text").strip();
    int slash = s.indexOf('/');
    String address = slash < 0 ? s : s.substring(0, slash);
    if (address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1);
    }
    boolean v4 = address.matches("\\d{1,3}(\\.\\d{1,3}){3}")
        && Arrays.stream(address.split("\\.")).allMatch(o -> Integer.parseInt(o) <= 255);
    // Anything else that is not an IPv6 literal would send InetAddress to DNS.
    if (!v4 && !address.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
      throw new IllegalArgumentException("'" + text + "' is not an address block: write it like"
          + " 10.0.0.0/8, 192.0.2.7 or fd00::/8 (addresses, not host names)");
    }
    InetAddress a;
    try {
      a = InetAddress.getByName(address); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not an address block: write it like"
          + " 10.0.0.0/8, 192.0.2.7 or fd00::/8");
    }
    int bits = a.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "': the prefix after / is not a number;"
            + " write it like 10.0.0.0/8");
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + text + "': the prefix /" + prefix
            + " is outside 0.." + bits);
      }
    }
    return new Cidr(a, prefix);
  }

  /** True when {@code address} lies in this block (an IPv4-mapped IPv6 address as its IPv4). */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    InetAddress a = unmapped(address);
    if (a.getAddress().length != network.getAddress().length) {
      return false;
    }
    return masked(a, prefix).equals(network);
  }

  /** True when any of {@code blocks} holds {@code address}. */
  public static boolean anyContains(Collection<Cidr> blocks, InetAddress address) {
    for (Cidr c : blocks) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private static InetAddress unmapped(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 16) {
      for (int i = 0; i < 10; i++) {
        if (b[i] != 0) {
          return a;
        }
      }
      if ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
        try {
          return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return a;
  }

  private static InetAddress masked(InetAddress a, int prefix) {
    byte[] b = a.getAddress();
    for (int i = 0; i < b.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - 8 * i));
      b[i] &= (byte) (0xff << (8 - keep));
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    String host = network.getHostAddress();
    int bits = network.getAddress().length * 8;
    return prefix == bits ? host : host + "/" + prefix;
  }
}
