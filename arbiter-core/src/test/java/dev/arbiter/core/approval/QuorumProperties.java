package dev.arbiter.core.approval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.authority.AuthorityLevel;
import dev.arbiter.core.authority.AuthorityRequirement;
import dev.arbiter.core.authority.CoSign;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class QuorumProperties {
  private static final List<String> ROLES = List.of("release-manager", "security", "cfo");

  @Property(tries = 2000)
  void addingAnApproval_neverUnmeetsAQuorum(
      @ForAll("requirements") AuthorityRequirement requirement,
      @ForAll("approvals") List<Signer> approvals,
      @ForAll("signers") Signer extra,
      @ForAll int position) {
    Quorum.Result before = Quorum.evaluate(requirement, approvals);
    List<Signer> more = new ArrayList<>(approvals);
    more.add(Math.floorMod(position, more.size() + 1), extra);
    Quorum.Result after = Quorum.evaluate(requirement, more);
    if (before.met()) {
      assertThat(after.met()).as("%s + %s under %s", approvals, extra, requirement).isTrue();
    }
    assertThat(after.counted()).isGreaterThanOrEqualTo(before.counted());
    // the clauses filled may change (a raised level moves a signer to a higher clause), the shortfall
    // never grows
    assertThat(shortfall(after)).isLessThanOrEqualTo(shortfall(before));
  }

  /** Sum of the leading counts of the missing entries ("2 more approval(s)…", "1 co-signature(s)…"). */
  private static int shortfall(Quorum.Result r) {
    return r.missing().stream().mapToInt(m -> Integer.parseInt(m.substring(0, m.indexOf(' ')))).sum();
  }

  @Property(tries = 1000)
  void result_doesNotDependOnApprovalOrder(
      @ForAll("requirements") AuthorityRequirement requirement, @ForAll("approvals") List<Signer> approvals,
      @ForAll long seed) {
    List<Signer> shuffled = new ArrayList<>(approvals);
    Collections.shuffle(shuffled, new Random(seed));
    Quorum.Result a = Quorum.evaluate(requirement, approvals);
    Quorum.Result b = Quorum.evaluate(requirement, shuffled);
    assertThat(b.met()).isEqualTo(a.met());
    assertThat(b.counted()).isEqualTo(a.counted());
  }

  @Property(tries = 1000)
  void met_impliesEnoughDistinctQualifyingActors(
      @ForAll("requirements") AuthorityRequirement requirement, @ForAll("approvals") List<Signer> approvals) {
    Quorum.Result r = Quorum.evaluate(requirement, approvals);
    long distinctQualifying = approvals.stream().filter(s -> Quorum.qualifies(requirement, s)).map(Signer::actor)
        .distinct().count();
    assertThat(r.counted()).isEqualTo(distinctQualifying);
    assertThat(r.met()).isEqualTo(r.missing().isEmpty());
    if (r.met()) {
      assertThat(distinctQualifying).isGreaterThanOrEqualTo(requirement.minSignatures());
    }
  }

  @Provide
  Arbitrary<AuthorityRequirement> requirements() {
    Arbitrary<Set<AuthorityLevel>> levels = Arbitraries.subsetOf(AuthorityLevel.values());
    Arbitrary<Set<String>> roles = Arbitraries.subsetOf(ROLES);
    Arbitrary<List<CoSign>> coSign = Combinators.combine(Arbitraries.of(AuthorityLevel.class), Arbitraries.integers().between(1, 2))
        .as(CoSign::new).list().ofMaxSize(3);
    return Combinators.combine(levels, roles, coSign, Arbitraries.integers().between(0, 3))
        .as((l, r, c, extraSignatures) -> {
          int coSigners = c.stream().mapToInt(CoSign::count).sum();
          int min = coSigners + extraSignatures;
          if (min > 0 && l.isEmpty() && r.isEmpty()) {
            l = Set.of(AuthorityLevel.L3);
          }
          return new AuthorityRequirement("r", l, r, min, true, c, Duration.ofMinutes(5), Duration.ofHours(1));
        });
  }

  @Provide
  Arbitrary<Signer> signers() {
    Arbitrary<String> actors = Arbitraries.of("a", "b", "c", "d", "e", "f");
    Arbitrary<Optional<AuthorityLevel>> level = Arbitraries.of(AuthorityLevel.class).optional(0.85);
    Arbitrary<List<String>> roles = Arbitraries.subsetOf(ROLES).map(List::copyOf);
    return Combinators.combine(actors, level, roles).as(Signer::new);
  }

  @Provide
  Arbitrary<List<Signer>> approvals() {
    return signers().list().ofMaxSize(8);
  }
}
