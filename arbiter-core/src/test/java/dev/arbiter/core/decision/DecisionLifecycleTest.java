package dev.arbiter.core.decision;

import static dev.arbiter.core.decision.DecisionStatus.AUTHORIZED;
import static dev.arbiter.core.decision.DecisionStatus.CANCELLED;
import static dev.arbiter.core.decision.DecisionStatus.DENIED;
import static dev.arbiter.core.decision.DecisionStatus.EVALUATED;
import static dev.arbiter.core.decision.DecisionStatus.EXECUTED;
import static dev.arbiter.core.decision.DecisionStatus.EXPIRED;
import static dev.arbiter.core.decision.DecisionStatus.PENDING_AUTHORITY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every (from, to) pair of the 7×7 status table, legal and illegal. */
class DecisionLifecycleTest {
  /** The table of DESIGN §3, written out independently of the implementation. */
  private static final Map<DecisionStatus, Set<DecisionStatus>> LEGAL =
      Map.of(
          EVALUATED, Set.of(PENDING_AUTHORITY, AUTHORIZED, DENIED),
          PENDING_AUTHORITY, Set.of(AUTHORIZED, DENIED, EXPIRED, CANCELLED),
          AUTHORIZED, Set.of(EXECUTED, EXPIRED, CANCELLED),
          DENIED, Set.of(),
          EXECUTED, Set.of(),
          EXPIRED, Set.of(),
          CANCELLED, Set.of());

  static Stream<Arguments> legalPairs() {
    return pairs(true);
  }

  static Stream<Arguments> illegalPairs() {
    return pairs(false);
  }

  private static Stream<Arguments> pairs(boolean legal) {
    List<Arguments> out = new ArrayList<>();
    for (DecisionStatus from : DecisionStatus.values()) {
      for (DecisionStatus to : DecisionStatus.values()) {
        if (LEGAL.get(from).contains(to) == legal) {
          out.add(Arguments.of(from, to));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("legalPairs")
  void transition_whenLegal_returnsTarget(DecisionStatus from, DecisionStatus to) throws Exception {
    assertThat(DecisionLifecycle.transition(from, to)).isEqualTo(to);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("illegalPairs")
  void transition_whenIllegal_throwsNamingBothStatuses(DecisionStatus from, DecisionStatus to) {
    assertThatThrownBy(() -> DecisionLifecycle.transition(from, to))
        .isInstanceOfSatisfying(IllegalTransitionException.class, e -> {
          assertThat(e.from()).isEqualTo(from);
          assertThat(e.to()).isEqualTo(to);
          assertThat(e.getMessage()).contains("`" + from.wireName() + "` → `" + to.wireName() + "`");
        });
  }

  @Test
  void pairs_coverTheWholeTable() {
    assertThat(legalPairs().count() + illegalPairs().count()).isEqualTo(49);
    assertThat(legalPairs().count()).isEqualTo(10);
  }

  @Test
  void terminal_statusesAreExactlyDeniedExecutedExpiredCancelled() {
    assertThat(Stream.of(DecisionStatus.values()).filter(DecisionStatus::isTerminal))
        .containsExactlyInAnyOrder(DENIED, EXECUTED, EXPIRED, CANCELLED);
  }

  @Test
  void transition_fromTerminal_saysItIsTerminal() {
    assertThatThrownBy(() -> DecisionLifecycle.transition(EXECUTED, AUTHORIZED))
        .hasMessage("illegal decision transition `executed` → `authorized` (`executed` is terminal)");
  }
}
