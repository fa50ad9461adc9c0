package dev.arbiter.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A block of consecutive free loopback ports for {@code quickstart --port-base}, chosen below the
 * kernel's ephemeral range (32768–60999 on Linux). A base taken from {@code new ServerSocket(0)} lies
 * inside that range, where the quickstart's own outgoing connections (the engine fetching the
 * issuer's keys, the gateway calling the engine) can take base+1..+3 before those servers bind
 * ("Port already in use", seen in CI).
 */
final class PortBlock {
  private PortBlock() {}

  static int freeBase(int size) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 32_000 - size);
      if (allFree(base, size)) {
        return base;
      }
    }
    throw new IOException("no " + size + " consecutive free ports between 20000 and 32000");
  }

  private static boolean allFree(int base, int size) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int p = base; p < base + size; p++) {
        held.add(new ServerSocket(p, 1, InetAddress.getLoopbackAddress()));
      }
      return true;
    } catch (IOException e) {
      return false;
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listener we just opened
        }
      }
    }
  }
}
