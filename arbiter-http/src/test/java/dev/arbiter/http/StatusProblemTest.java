package dev.arbiter.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusProblemTest {

  @Test
  void theParsersRefusals_keepTheirStatus_andAreNotServerFailures() {
    for (int status : new int[] {400, 404, 405, 408, 413, 414, 415, 421, 431, 501, 505}) {
      StatusProblem p = StatusProblem.of(status);
      assertThat(p.status()).isEqualTo(status);
      assertThat(p.serverFailure()).as("%d", status).isFalse();
    }
    assertThat(StatusProblem.of(431).slug()).isEqualTo("headers-too-large");
    assertThat(StatusProblem.of(418).slug()).isEqualTo("bad-request");
  }

  @Test
  void anyOther5xx_isTheServersFailure() {
    assertThat(StatusProblem.of(500).serverFailure()).isTrue();
    assertThat(StatusProblem.of(503).slug()).isEqualTo("internal-error");
  }
}
