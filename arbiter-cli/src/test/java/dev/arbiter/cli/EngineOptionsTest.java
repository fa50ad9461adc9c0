package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Plain http only to loopback, decided without resolving any name but localhost. */
class EngineOptionsTest {

  @Test
  void loopbackAddressesAndLocalhost_areLoopback() {
    for (String host : new String[] {"localhost", "LOCALHOST", "127.0.0.1", "127.9.9.9", "[::1]", "::1"}) {
      assertThat(EngineOptions.isLoopback(host)).as(host).isTrue();
    }
  }

  @Test
  void otherAddresses_andEveryOtherName_areNot() {
    for (String host : new String[] {"10.0.0.1", "[2001:db8::1]", "engine.example.com", "cafe", "127.0.0.1.nip.io"}) {
      assertThat(EngineOptions.isLoopback(host)).as(host).isFalse();
    }
  }

  @Test
  void onlyIpLiterals_areHandedToTheResolver() {
    // Names of hex letters looked like IPv6 to the old check and were resolved by DNS: a rebinding
    // name could pass as loopback here and send the token in clear text elsewhere.
    for (String name : new String[] {"cafe", "beef", "dead", "face", "a", "localhost", "999.1.1.1", "1.2.3", "1.2.3.4.5"}) {
      assertThat(EngineOptions.isIpLiteral(name)).as(name).isFalse();
    }
    for (String literal : new String[] {"127.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "::ffff:127.0.0.1"}) {
      assertThat(EngineOptions.isIpLiteral(literal)).as(literal).isTrue();
    }
  }
}
