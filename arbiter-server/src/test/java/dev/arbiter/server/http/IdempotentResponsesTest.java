package dev.arbiter.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdempotentResponsesTest {
  private final IdempotentResponses answers = new IdempotentResponses();

  private static IdempotentResponses.Answer answer(int bytes) {
    return new IdempotentResponses.Answer("sha256:b", 201, "application/json", new byte[bytes]);
  }

  @Test
  void oneCallerSendingFreshKeys_evictsOnlyItsOwnOldestAnswers() {
    answers.remember("alice", "alice k1", answer(100));
    for (int i = 0; i < IdempotentResponses.CAPACITY + 10; i++) {
      answers.remember("mallory", "mallory " + i, answer(10));
    }

    assertThat(answers.find("alice k1")).as("another caller's answer").isPresent();
    assertThat(answers.find("mallory 0")).as("the caller's oldest").isEmpty();
    assertThat(answers.find("mallory " + (IdempotentResponses.CAPACITY + 9))).as("the caller's newest").isPresent();
    assertThat(answers.size()).isEqualTo(1 + IdempotentResponses.SUBJECT_CAPACITY);
  }

  @Test
  void oneCallersLargeAnswers_evictOnlyItsOwn() {
    answers.remember("alice", "alice k1", answer(70_000));
    int big = 200_000;
    long count = IdempotentResponses.MAX_BYTES / big + 10;
    for (int i = 0; i < count; i++) {
      answers.remember("mallory", "mallory " + i, answer(big));
    }

    assertThat(answers.find("alice k1")).isPresent();
    assertThat(answers.size() - 1).isEqualTo((int) (IdempotentResponses.SUBJECT_MAX_BYTES / big));
  }

  @Test
  void theGlobalBound_stillHolds() {
    int subjects = IdempotentResponses.CAPACITY / IdempotentResponses.SUBJECT_CAPACITY + 2;
    for (int s = 0; s < subjects; s++) {
      for (int i = 0; i < IdempotentResponses.SUBJECT_CAPACITY; i++) {
        answers.remember("s" + s, "s" + s + " " + i, answer(1));
      }
    }

    assertThat(answers.size()).isEqualTo(IdempotentResponses.CAPACITY);
    assertThat(answers.find("s0 0")).as("least recently used, evicted").isEmpty();
    assertThat(answers.find("s" + (subjects - 1) + " 0")).isPresent();
  }

  @Test
  void rememberingAKeyAgain_replacesItsAnswer() {
    answers.remember("alice", "alice k1", answer(10));
    answers.remember("alice", "alice k1", answer(20));

    assertThat(answers.size()).isEqualTo(1);
    assertThat(answers.find("alice k1").orElseThrow().body()).hasSize(20);
  }
}
