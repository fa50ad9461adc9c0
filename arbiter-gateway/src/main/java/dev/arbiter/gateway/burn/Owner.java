package dev.arbiter.gateway.burn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Which gateway process owns an open execution: {@code host boot-id pid-namespace pid start-ticks}.
 * Gateways may share a burn file (on one host: SQLite needs one), so a gateway must tell a dead
 * predecessor's executions from a live sibling's, which may be calling a tool right now. Taking a live
 * call over would close it as interrupted while the tool runs, so a row is taken over only when its
 * process is <em>positively</em> gone:
 *
 * <ul>
 *   <li>the same host and boot and pid namespace, and {@code /proc/PID} is absent, holds a process
 *       started at another tick (the pid was reused), or a zombie (the JDK calls a killed process
 *       alive until it is reaped);
 *   <li>or the same host name after a reboot (another boot id): every process of the earlier boot is
 *       gone.
 * </ul>
 *
 * Anything that cannot be looked at counts as alive: another host name, another pid namespace (a
 * container sharing the file through a volume), a {@code /proc} hidden from this user, a system
 * without {@code /proc}. Start times are compared as the kernel's raw ticks since boot, not as wall
 * clock instants, which move when the clock is stepped (review).
 */
public final class Owner {
  private static final String HOST = host();
  private static final String BOOT = firstLine(Path.of("/proc/sys/kernel/random/boot_id"));
  private static final String PID_NS = pidNamespace();
  private static final String SELF = HOST + " " + BOOT + " " + PID_NS + " " + ProcessHandle.current().pid() + " "
      + startTicks(ProcessHandle.current().pid());

  private Owner() {}

  /** This process. */
  public static String current() {
    return SELF;
  }

  /** True only when {@code owner} is a process that no longer runs, as far as this process can see for sure. */
  public static boolean isGone(String owner) {
    String[] p = owner.split(" ");
    if (p.length != 5 || !p[0].equals(HOST) || owner.equals(SELF)) {
      return false;
    }
    if (!p[1].equals(BOOT)) {
      return !BOOT.equals("-") && !p[1].equals("-"); // a reboot of this host ended it
    }
    if (!p[2].equals(PID_NS) || PID_NS.equals("-")) {
      return false; // another process table: it cannot be looked at from here
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + Long.parseLong(p[3]) + "/stat"), StandardCharsets.US_ASCII);
      String[] after = afterCommand(stat);
      return after.length < 20 || after[0].equals("Z") || !after[19].equals(p[4]);
    } catch (NoSuchFileException e) {
      return true; // no such process
    } catch (IOException | RuntimeException e) {
      return false; // hidden from this user, or unreadable: counted alive
    }
  }

  /** True when this process cannot judge {@code owner} (another host name or process table), so its rows stay. */
  public static boolean elsewhere(String owner) {
    String[] p = owner.split(" ");
    return p.length != 5 || !p[0].equals(HOST) || (p[1].equals(BOOT) && !p[2].equals(PID_NS));
  }

  /** The fields of {@code /proc/PID/stat} after the command name, which may contain spaces and parentheses. */
  private static String[] afterCommand(String stat) {
    int close = stat.lastIndexOf(')');
    return stat.substring(close + 2).strip().split(" ");
  }

  /** Field 22 of {@code /proc/PID/stat}: the process's start, in clock ticks since boot; "-" when unknown. */
  private static String startTicks(long pid) {
    try {
      String[] after = afterCommand(Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII));
      return after.length >= 20 ? after[19] : "-";
    } catch (IOException | RuntimeException e) {
      return "-";
    }
  }

  private static String pidNamespace() {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString().replace(' ', '_');
    } catch (IOException | RuntimeException e) {
      return "-";
    }
  }

  private static String firstLine(Path f) {
    try {
      String s = Files.readString(f, StandardCharsets.US_ASCII).strip();
      return s.isEmpty() || s.chars().anyMatch(Character::isWhitespace) ? "-" : s;
    } catch (IOException | RuntimeException e) {
      return "-";
    }
  }

  private static String host() {
    String h = firstLine(Path.of("/proc/sys/kernel/hostname"));
    if (!h.equals("-")) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName().replace(' ', '_');
    } catch (IOException e) {
      return "localhost";
    }
  }
}
