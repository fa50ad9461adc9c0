package dev.arbiter.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoopbackTest {

  @Test
  void hostHeadersNamingLoopback_withOrWithoutAPort() {
    for (String h : new String[] {"127.0.0.1", "127.0.0.1:8600", "localhost", "LOCALHOST:1", "[::1]", "[::1]:8600", " localhost "}) {
      assertThat(Loopback.isLoopbackHostHeader(h)).as(h).isTrue();
    }
  }

  /** DNS rebinding: a page's own name resolving to 127.0.0.1 is still not addressed to loopback. */
  @Test
  void anyOtherName_isNot() {
    for (String h : new String[] {"evil.example", "evil.example:8600", "127.0.0.1.evil.example", "localhost.evil", "", " ", "[::2]"}) {
      assertThat(Loopback.isLoopbackHostHeader(h)).as(h).isFalse();
    }
    assertThat(Loopback.isLoopbackHostHeader(null)).isFalse();
  }

  @Test
  void listenAddresses() {
    assertThat(Loopback.isLoopback("127.0.0.1")).isTrue();
    assertThat(Loopback.isLoopback("::1")).isTrue();
    assertThat(Loopback.isLoopback("0.0.0.0")).isFalse();
  }
}
