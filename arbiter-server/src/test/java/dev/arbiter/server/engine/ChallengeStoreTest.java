package dev.arbiter.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.approval.Challenge;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ChallengeStoreTest {
  private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration TTL = Duration.ofMinutes(5);
  private final ChallengeStore store = new ChallengeStore();

  private Challenge issue(String subject, Instant at) throws EngineException.RateLimited {
    return store.issue(subject, "dec_01", "approve", "sha256:p", at, TTL, Duration.ofSeconds(2));
  }

  @Test
  void issue_whenTheSubjectHasTheMostOutstanding_throws_andOthersStillGetOne() throws Exception {
    for (int i = 0; i < ChallengeStore.MAX_PER_SUBJECT; i++) {
      issue("mallory", NOW);
    }

    assertThatThrownBy(() -> issue("mallory", NOW)).isInstanceOf(EngineException.RateLimited.class)
        .hasMessageContaining("64 outstanding")
        .satisfies(e -> assertThat(((EngineException.RateLimited) e).retryAfter())
            .as("not before the outstanding ones have expired").isGreaterThan(TTL));
    assertThat(issue("alice", NOW)).isNotNull();
  }

  @Test
  void aTakenChallenge_freesItsSubjectsPlace() throws Exception {
    Challenge first = issue("alice", NOW);
    for (int i = 1; i < ChallengeStore.MAX_PER_SUBJECT; i++) {
      issue("alice", NOW);
    }
    assertThat(store.take(first.nonce(), "alice", first)).isPresent();

    assertThat(issue("alice", NOW)).isNotNull();
  }

  @Test
  void expiredChallenges_arePurgedWhenTheSubjectIsFull_andConsumedNoncesByThePurge() throws Exception {
    Challenge used = issue("alice", NOW);
    store.take(used.nonce(), "alice", used);
    for (int i = 0; i < ChallengeStore.MAX_PER_SUBJECT; i++) {
      issue("mallory", NOW);
    }
    Instant later = NOW.plus(TTL).plusSeconds(1);

    assertThat(issue("mallory", later)).as("purged on access").isNotNull();
    assertThat(store.outstanding()).isEqualTo(1);
    assertThat(store.consumed(used.nonce())).isFalse();
  }

  @Test
  void purge_dropsExpiredOutstandingAndConsumed() throws Exception {
    Challenge used = issue("alice", NOW);
    store.take(used.nonce(), "alice", used);
    issue("bob", NOW);
    issue("bob", NOW.plus(TTL));

    store.purge(NOW.plus(TTL));

    assertThat(store.outstanding()).isEqualTo(1);
    assertThat(store.consumedCount()).isZero();
  }
}
