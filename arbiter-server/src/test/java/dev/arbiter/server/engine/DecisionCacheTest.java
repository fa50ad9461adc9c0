package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class DecisionCacheTest {
  private static final String REQUEST = KeyWindowProperties.request(1);

  @Test
  void aRecordedKeyMovesFromInFlightToTheWindow_andResolvesToItsDecision() {
    DecisionCache cache = new DecisionCache(4, 16);
    CompletableFuture<String> id = new CompletableFuture<>();
    DecisionCache.Slot mine = new DecisionCache.Slot(REQUEST, id);
    assertThat(cache.claim(key(1), mine)).isNull();
    assertThat(cache.claim(key(1), new DecisionCache.Slot(REQUEST, new CompletableFuture<>()))).isSameAs(mine);
    assertThat(cache.inFlight()).isEqualTo(1);

    id.complete("dec_01");
    assertThat(cache.inFlight()).isZero();
    DecisionCache.Slot again = cache.claim(key(1), new DecisionCache.Slot(REQUEST, new CompletableFuture<>()));
    assertThat(again.requestHash()).isEqualTo(REQUEST);
    assertThat(again.decisionId()).isCompletedWithValue("dec_01");
  }

  @Test
  void aClaimThatFailed_isForgotten_soThatARetryCanRecordIt() {
    DecisionCache cache = new DecisionCache(4, 16);
    CompletableFuture<String> id = new CompletableFuture<>();
    cache.claim(key(2), new DecisionCache.Slot(REQUEST, id));
    id.completeExceptionally(new IllegalStateException("ledger down"));
    assertThat(cache.inFlight()).isZero();
    assertThat(cache.claim(key(2), new DecisionCache.Slot(REQUEST, new CompletableFuture<>()))).isNull();
  }

  @Test
  void theWindowKeepsTheLatestKeysOnly() {
    DecisionCache cache = new DecisionCache(4, 16);
    for (int i = 0; i < 17; i++) {
      CompletableFuture<String> id = new CompletableFuture<>();
      assertThat(cache.claim(key(i), new DecisionCache.Slot(REQUEST, id))).isNull();
      id.complete("dec_" + i);
    }
    assertThat(cache.inFlight()).isZero();
    assertThat(cache.claim(key(0), new DecisionCache.Slot(REQUEST, new CompletableFuture<>()))).as("oldest key").isNull();
    assertThat(cache.claim(key(16), new DecisionCache.Slot(REQUEST, new CompletableFuture<>())).decisionId())
        .isCompletedWithValue("dec_16");
  }

  private static String key(int n) {
    return KeyWindowProperties.key(n);
  }
}
