package dev.arbiter.core.approval;

import static dev.arbiter.core.authority.AuthorityLevel.L1;
import static dev.arbiter.core.authority.AuthorityLevel.L2;
import static dev.arbiter.core.authority.AuthorityLevel.L3;
import static dev.arbiter.core.authority.AuthorityLevel.L4;
import static dev.arbiter.core.authority.AuthorityLevel.L5;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.authority.CoSign;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuorumTest {
  static Signer s(String actor, AuthorityLevel level, String... roles) {
    return new Signer(actor, Optional.ofNullable(level), List.of(roles));
  }

  static AuthorityRequirement req(Set<AuthorityLevel> levels, Set<String> roles, int min, CoSign... coSign) {
    return new AuthorityRequirement("r", levels, roles, min, true, List.of(coSign), Duration.ofMinutes(30), Duration.ofHours(4));
  }

  static Set<AuthorityLevel> from(AuthorityLevel min) {
    return EnumSet.range(min, L5);
  }

  // ---- min_signatures ---------------------------------------------------------------------------

  @Test
  void noApprovals_requiredZero_isMet() {
    Quorum.Result r = Quorum.evaluate(req(Set.of(), Set.of(), 0), List.of());
    assertThat(r.met()).isTrue();
    assertThat(r.counted()).isZero();
    assertThat(r.missing()).isEmpty();
  }

  @Test
  void minSignatures_countsDistinctQualifyingApprovers() {
    AuthorityRequirement two = req(from(L2), Set.of(), 2);
    assertThat(Quorum.evaluate(two, List.of()).met()).isFalse();
    Quorum.Result one = Quorum.evaluate(two, List.of(s("alice", L2)));
    assertThat(one.met()).isFalse();
    assertThat(one.counted()).isEqualTo(1);
    assertThat(one.missing()).containsExactly("1 more approval(s) from distinct approvers");
    Quorum.Result none = Quorum.evaluate(two, List.of());
    assertThat(none.missing()).containsExactly("2 more approval(s) from distinct approvers");
    Quorum.Result both = Quorum.evaluate(two, List.of(s("alice", L2), s("bob", L3)));
    assertThat(both.met()).isTrue();
    assertThat(both.counted()).isEqualTo(2);
    assertThat(both.missing()).isEmpty();
  }

  @Test
  void moreApprovalsThanNeeded_isMet_andAllAreCounted() {
    Quorum.Result r = Quorum.evaluate(req(from(L1), Set.of(), 1), List.of(s("a", L1), s("b", L2), s("c", L5)));
    assertThat(r.met()).isTrue();
    assertThat(r.counted()).isEqualTo(3);
  }

  @Test
  void oneActor_countsOnce_evenWhenApprovingRepeatedly() {
    AuthorityRequirement two = req(from(L2), Set.of(), 2);
    Quorum.Result r = Quorum.evaluate(two, List.of(s("alice", L2), s("alice", L3), s("alice", L5)));
    assertThat(r.met()).isFalse();
    assertThat(r.counted()).isEqualTo(1);
  }

  @Test
  void oneActor_countsOnce_evenWhenTheRequirementSaysNotDistinct() {
    AuthorityRequirement notDistinct =
        new AuthorityRequirement("r", from(L2), Set.of(), 2, false, List.of(), Duration.ofMinutes(1), Duration.ofHours(1));
    Quorum.Result r = Quorum.evaluate(notDistinct, List.of(s("alice", L2), s("alice", L2)));
    assertThat(r.met()).isFalse();
    assertThat(r.counted()).isEqualTo(1);
  }

  @Test
  void actorsAreComparedExactly() {
    Quorum.Result r = Quorum.evaluate(req(from(L2), Set.of(), 2), List.of(s("alice", L2), s("Alice", L2)));
    assertThat(r.counted()).isEqualTo(2);
  }

  @Test
  void nonQualifyingLevels_doNotCount() {
    AuthorityRequirement r = req(Set.of(L3, L4), Set.of(), 1);
    assertThat(Quorum.evaluate(r, List.of(s("a", L1), s("b", L2), s("c", null))).met()).isFalse();
    assertThat(Quorum.evaluate(r, List.of(s("a", L1), s("b", L2), s("c", null))).counted()).isZero();
    // an explicit `levels` list is exactly that list: L5 is not in [L3, L4]
    assertThat(Quorum.qualifies(r, s("e", L5))).isFalse();
    assertThat(Quorum.evaluate(r, List.of(s("a", L5))).met()).isFalse();
    assertThat(Quorum.evaluate(r, List.of(s("a", L3))).met()).isTrue();
  }

  @Test
  void nonQualifyingRoles_doNotCount() {
    AuthorityRequirement r = req(Set.of(), Set.of("release-manager"), 1);
    assertThat(Quorum.evaluate(r, List.of(s("a", L5, "developer"), s("b", null, "release-managers"))).met()).isFalse();
    assertThat(Quorum.evaluate(r, List.of(s("a", L5, "Release-Manager"))).met()).isFalse();
  }

  @Test
  void roles_qualify_withOrWithoutALevel() {
    AuthorityRequirement r = req(from(L4), Set.of("release-manager"), 2);
    assertThat(Quorum.qualifies(r, s("rm", null, "release-manager"))).isTrue();
    assertThat(Quorum.qualifies(r, s("rm", L1, "developer", "release-manager"))).isTrue();
    assertThat(Quorum.qualifies(r, s("dev", L1, "developer"))).isFalse();
    Quorum.Result met = Quorum.evaluate(r, List.of(s("rm", null, "release-manager"), s("sec", L4)));
    assertThat(met.met()).isTrue();
    assertThat(met.counted()).isEqualTo(2);
  }

  @Test
  void nonQualifyingApprovals_doNotChangeAnything() {
    AuthorityRequirement r = req(from(L3), Set.of(), 2);
    List<Signer> base = List.of(s("a", L3));
    List<Signer> noisy = List.of(s("x", L1), s("a", L3), s("y", L2), s("z", null, "nobody"));
    assertThat(Quorum.evaluate(r, noisy)).isEqualTo(Quorum.evaluate(r, base));
  }

  // ---- co-sign --------------------------------------------------------------------------------

  @Test
  void coSign_twoL4_doNotMeetAnL5CoSign() {
    AuthorityRequirement r = req(from(L4), Set.of(), 2, new CoSign(L5, 1));
    Quorum.Result res = Quorum.evaluate(r, List.of(s("a", L4), s("b", L4)));
    assertThat(res.met()).isFalse();
    assertThat(res.counted()).isEqualTo(2);
    assertThat(res.missing()).containsExactly("1 co-signature(s) at L5 (Executive) or above");
  }

  @Test
  void coSign_L4PlusL5_meetsAnL5CoSign_inEitherOrder() {
    AuthorityRequirement r = req(from(L4), Set.of(), 2, new CoSign(L5, 1));
    assertThat(Quorum.evaluate(r, List.of(s("a", L4), s("b", L5))).met()).isTrue();
    assertThat(Quorum.evaluate(r, List.of(s("b", L5), s("a", L4))).met()).isTrue();
  }

  @Test
  void coSign_aSingleL5_cannotFillTheCoSignAndCountTwice() {
    AuthorityRequirement r = req(from(L4), Set.of(), 2, new CoSign(L5, 1));
    Quorum.Result res = Quorum.evaluate(r, List.of(s("boss", L5)));
    assertThat(res.met()).isFalse();
    assertThat(res.counted()).isEqualTo(1);
    assertThat(res.missing()).containsExactly("1 more approval(s) from distinct approvers");
    Quorum.Result twice = Quorum.evaluate(r, List.of(s("boss", L5), s("boss", L5)));
    assertThat(twice.met()).isFalse();
    assertThat(twice.counted()).isEqualTo(1);
  }

  @Test
  void coSign_isAtOrAboveItsLevel() {
    AuthorityRequirement r = req(from(L2), Set.of(), 2, new CoSign(L4, 1));
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("b", L4))).met()).isTrue();
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("b", L5))).met()).isTrue();
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("b", L3))).met()).isFalse();
  }

  @Test
  void coSign_needsDistinctActors_forItsCount() {
    AuthorityRequirement r = req(from(L2), Set.of(), 3, new CoSign(L4, 2));
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("b", L4), s("b", L5))).met()).isFalse();
    Quorum.Result res = Quorum.evaluate(r, List.of(s("a", L2), s("b", L4), s("c", L3)));
    assertThat(res.met()).isFalse();
    assertThat(res.missing()).containsExactly("1 co-signature(s) at L4 (Security/Compliance) or above");
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("b", L4), s("c", L5))).met()).isTrue();
  }

  @Test
  void coSign_signerWithoutLevel_cannotCoSign_evenWhenQualifyingByRole() {
    AuthorityRequirement r = req(from(L4), Set.of("cfo"), 2, new CoSign(L5, 1));
    assertThat(Quorum.evaluate(r, List.of(s("a", L4), s("cfo", null, "cfo"))).met()).isFalse();
    assertThat(Quorum.evaluate(r, List.of(s("a", L4), s("cfo", L5, "cfo"))).met()).isTrue();
  }

  @Test
  void coSign_onlyQualifyingSignersCanCoSign() {
    // levels exactly [L2, L3]: an L5 who does not qualify does not count, so cannot co-sign either
    AuthorityRequirement r = req(Set.of(L2, L3), Set.of("exec"), 2, new CoSign(L5, 1));
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("ceo", L5))).met()).isFalse();
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("ceo", L5, "exec"))).met()).isTrue();
  }

  @Test
  void multipleCoSignClauses_eachNeedsItsOwnSigner() {
    AuthorityRequirement r = req(from(L2), Set.of(), 3, new CoSign(L4, 1), new CoSign(L5, 1));
    // one L5 fills one clause only
    Quorum.Result oneL5 = Quorum.evaluate(r, List.of(s("a", L2), s("b", L3), s("c", L5)));
    assertThat(oneL5.met()).isFalse();
    assertThat(oneL5.missing()).containsExactly("1 co-signature(s) at L4 (Security/Compliance) or above");
    // two L4s: the L5 clause is missing
    Quorum.Result twoL4 = Quorum.evaluate(r, List.of(s("a", L2), s("b", L4), s("c", L4)));
    assertThat(twoL4.met()).isFalse();
    assertThat(twoL4.missing()).containsExactly("1 co-signature(s) at L5 (Executive) or above");
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("b", L4), s("c", L5))).met()).isTrue();
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("b", L5), s("c", L5))).met()).isTrue();
  }

  @Test
  void multipleCoSignClauses_higherClauseIsFilledFirst_whateverTheApprovalOrder() {
    // the L5 approves first; a greedy fill of the L4 clause with the L5 would starve the L5 clause
    AuthorityRequirement r = req(from(L2), Set.of(), 2, new CoSign(L4, 1), new CoSign(L5, 1));
    assertThat(Quorum.evaluate(r, List.of(s("ceo", L5), s("sec", L4))).met()).isTrue();
    assertThat(Quorum.evaluate(r, List.of(s("sec", L4), s("ceo", L5))).met()).isTrue();
  }

  @Test
  void multipleCoSignClauses_sameLevel_needDistinctSigners() {
    AuthorityRequirement r = req(from(L2), Set.of(), 2, new CoSign(L4, 1), new CoSign(L4, 1));
    assertThat(Quorum.evaluate(r, List.of(s("a", L4), s("b", L2))).met()).isFalse();
    assertThat(Quorum.evaluate(r, List.of(s("a", L4), s("b", L4))).met()).isTrue();
  }

  @Test
  void missing_listsBothCountAndCoSignShortfalls() {
    AuthorityRequirement r = req(from(L2), Set.of(), 3, new CoSign(L5, 2));
    Quorum.Result res = Quorum.evaluate(r, List.of(s("a", L2)));
    assertThat(res.met()).isFalse();
    assertThat(res.missing()).containsExactly(
        "2 more approval(s) from distinct approvers", "2 co-signature(s) at L5 (Executive) or above");
  }

  @Test
  void duplicateApprovalsBySameActor_keepTheHighestLevelForCoSign() {
    AuthorityRequirement r = req(from(L2), Set.of(), 2, new CoSign(L5, 1));
    // the actor's level was raised between two approvals: the higher one is what they hold
    assertThat(Quorum.evaluate(r, List.of(s("a", L5), s("a", L2), s("b", L2))).met()).isTrue();
    assertThat(Quorum.evaluate(r, List.of(s("a", L2), s("a", L5), s("b", L2))).met()).isTrue();
  }

  @Test
  void result_missingIsImmutable() {
    Quorum.Result res = Quorum.evaluate(req(from(L2), Set.of(), 1), List.of());
    assertThatThrownBy(() -> res.missing().add("x")).isInstanceOf(UnsupportedOperationException.class);
    List<String> source = new ArrayList<>(List.of("m"));
    Quorum.Result copy = new Quorum.Result(false, 0, source);
    source.add("later");
    assertThat(copy.missing()).containsExactly("m");
  }

  // ---- requirement and signer invariants the quorum relies on --------------------------------

  @Test
  void requirement_refusesMoreCoSignersThanSignatures() {
    assertThatThrownBy(() -> req(from(L2), Set.of(), 1, new CoSign(L4, 1), new CoSign(L5, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("co_sign needs 2 signatures but min_signatures is 1");
    assertThatThrownBy(() -> new CoSign(L4, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> req(Set.of(), Set.of(), 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void signer_rolesAreCopied() {
    List<String> roles = new ArrayList<>(List.of("a"));
    Signer signer = new Signer("x", Optional.empty(), roles);
    roles.add("b");
    assertThat(signer.roles()).containsExactly("a");
    assertThatThrownBy(() -> new Signer(null, Optional.empty(), List.of())).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Signer("x", null, List.of())).isInstanceOf(NullPointerException.class);
  }
}
