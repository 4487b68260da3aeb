package org.gerritproxy.ssh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.OptionalFeature;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.gerritproxy.routing.Typos;

/**
 * The algorithms the proxy's SSH listener offers its clients, one list per kind, in order of
 * preference. The defaults pass {@code ssh-audit} with no failure and no warning: no SHA-1, no
 * NIST-curve key exchange (ssh-audit fails them as possibly back-doored), no key exchange it calls
 * experimental ({@link #SNTRUP_OPENSSH_NAME}), no encrypt-and-MAC
 * (only the {@code -etm} MACs), no CBC, and no chacha20-poly1305, which MINA computes in plain
 * Java (see {@link SshFrontend#ciphers}). Shops that must offer NIST or FIPS algorithms set their
 * own lists ({@code [sshd] kex}, {@code cipher}, {@code mac}, {@code hostKeyAlgorithm}).
 *
 * <p>Strict key exchange ({@code kex-strict-s-v00@openssh.com}, the Terrapin fix) is not one of
 * these: MINA adds it to every key exchange.
 */
public record SshAlgorithms(
    List<String> kex, List<String> ciphers, List<String> macs, List<String> hostKeyAlgorithms) {

  public SshAlgorithms {
    kex = List.copyOf(kex);
    ciphers = List.copyOf(ciphers);
    macs = List.copyOf(macs);
    hostKeyAlgorithms = List.copyOf(hostKeyAlgorithms);
  }

  /** The kinds of list, with the configuration key (as Gerrit names its own) of each. */
  public enum Kind {
    KEX("kex", "key exchange"),
    CIPHER("cipher", "cipher"),
    MAC("mac", "MAC"),
    HOST_KEY_ALGORITHM("hostKeyAlgorithm", "host key algorithm");

    private final String key;
    private final String what;

    Kind(String key, String what) {
      this.key = key;
      this.what = what;
    }

    /** The {@code [sshd]} key that sets this list. */
    public String key() {
      return key;
    }

    /** Every name of this kind that this build can offer, in MINA's order of preference. */
    public List<String> supported() {
      List<? extends NamedResource> all = switch (this) {
        case KEX -> supportedOnly(BuiltinDHFactories.VALUES);
        case CIPHER -> supportedOnly(BuiltinCiphers.VALUES).stream()
            .filter(c -> c != BuiltinCiphers.none).toList();
        case MAC -> supportedOnly(BuiltinMacs.VALUES);
        case HOST_KEY_ALGORITHM -> supportedOnly(BuiltinSignatures.VALUES);
      };
      return all.stream().map(NamedResource::getName).toList();
    }
  }

  /**
   * The post-quantum key exchange under the name OpenSSH 8.5 to 9.8 know it by. Debian's
   * ssh-audit (2.5) warns of it as experimental, so it is not a default; the standard name, {@code
   * sntrup761x25519-sha512} (OpenSSH 9.9 on), is. {@code kex = +sntrup761x25519-sha512@openssh.com}
   * brings it back for those clients.
   */
  static final String SNTRUP_OPENSSH_NAME = "sntrup761x25519-sha512@openssh.com";

  /** What passes ssh-audit; see the class comment. */
  public static final SshAlgorithms DEFAULTS = new SshAlgorithms(
      SshFrontend.modern(defaultServer().getKeyExchangeFactories()).stream()
          .map(NamedResource::getName)
          .filter(n -> !n.startsWith("ecdh-sha2-nistp") && !n.equals(SNTRUP_OPENSSH_NAME))
          .toList(),
      SshFrontend.ciphers(defaultServer().getCipherFactories()).stream()
          .map(NamedResource::getName).toList(),
      SshFrontend.modern(defaultServer().getMacFactories()).stream()
          .map(NamedResource::getName).filter(n -> n.contains("-etm@")).toList(),
      SshFrontend.modern(defaultServer().getSignatureFactories()).stream()
          .map(NamedResource::getName).toList());

  private static org.apache.sshd.server.SshServer defaultServer() {
    return org.apache.sshd.server.SshServer.setUpDefaultServer();
  }

  /** The default list of {@code kind}. */
  public List<String> of(Kind kind) {
    return switch (kind) {
      case KEX -> kex;
      case CIPHER -> ciphers;
      case MAC -> macs;
      case HOST_KEY_ALGORITHM -> hostKeyAlgorithms;
    };
  }

  /** These lists with {@code kind}'s replaced. */
  public SshAlgorithms with(Kind kind, List<String> names) {
    return new SshAlgorithms(
        kind == Kind.KEX ? names : kex,
        kind == Kind.CIPHER ? names : ciphers,
        kind == Kind.MAC ? names : macs,
        kind == Kind.HOST_KEY_ALGORITHM ? names : hostKeyAlgorithms);
  }

  /**
   * The list the configuration's values make of {@code kind}, Gerrit's way: names without a sign
   * replace the default list (in the order given), {@code +NAME} adds to it, {@code -NAME} removes
   * from it.
   *
   * @throws IllegalArgumentException with a sentence saying which value is wrong and what to write
   */
  public static List<String> resolve(Kind kind, List<String> values) {
    List<String> supported = kind.supported();
    List<String> exact = new ArrayList<>();
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String value : values) {
      String v = value.strip();
      char sign = v.isEmpty() ? ' ' : v.charAt(0);
      String name = (sign == '+' || sign == '-') ? v.substring(1).strip() : v;
      String known = canonical(name, supported).orElseThrow(() -> unknown(kind, name, supported));
      (sign == '+' ? added : sign == '-' ? removed : exact).add(known);
    }
    List<String> out = new ArrayList<>(exact.isEmpty() ? DEFAULTS.of(kind) : exact);
    for (String a : added) {
      if (!out.contains(a)) {
        out.add(a);
      }
    }
    out.removeAll(removed);
    if (out.isEmpty()) {
      throw new IllegalArgumentException("leaves no " + kind.what + " to offer: name at least one"
          + " of " + String.join(", ", supported) + ".");
    }
    return List.copyOf(out);
  }

  /**
   * One value of a list as the configuration may write it, {@code NAME}, {@code +NAME} or {@code
   * -NAME}, with the name spelt as MINA spells it.
   *
   * @throws IllegalArgumentException when the name is not one of {@code kind}'s
   */
  public static String checkName(Kind kind, String value) {
    String v = value.strip();
    char sign = v.isEmpty() ? ' ' : v.charAt(0);
    boolean signed = sign == '+' || sign == '-';
    String name = signed ? v.substring(1).strip() : v;
    List<String> supported = kind.supported();
    String known = canonical(name, supported).orElseThrow(() -> unknown(kind, name, supported));
    return signed ? sign + known : known;
  }

  private static Optional<String> canonical(String name, List<String> supported) {
    return supported.stream().filter(s -> s.equalsIgnoreCase(name)).findFirst();
  }

  private static IllegalArgumentException unknown(Kind kind, String name, List<String> supported) {
    if (name.equalsIgnoreCase("none") && kind == Kind.CIPHER) {
      return new IllegalArgumentException("cipher 'none' would send everything in clear: name a"
          + " cipher, one of " + String.join(", ", supported) + ".");
    }
    String what = name.isEmpty() ? "no " + kind.what + " is named" : "'" + name + "' is not a "
        + kind.what + " this proxy knows";
    return new IllegalArgumentException(what
        + Typos.closest(name.toLowerCase(Locale.ROOT), supported).map(s -> "; did you mean '" + s
            + "'?").orElse("; write one of " + String.join(", ", supported) + "."));
  }

  /** MINA's factories for {@code names}, in that order. */
  static <T extends NamedResource> List<T> pick(List<String> names, List<T> available) {
    Map<String, T> byName = new LinkedHashMap<>();
    available.forEach(f -> byName.put(f.getName(), f));
    List<T> out = new ArrayList<>();
    for (String n : names) {
      out.add(Objects.requireNonNull(byName.get(n), n));
    }
    return out;
  }

  private static <T extends NamedResource & OptionalFeature> List<T> supportedOnly(
      java.util.Collection<T> all) {
    return all.stream().filter(OptionalFeature::isSupported).toList();
  }
}
