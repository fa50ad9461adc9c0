package dev.arbiter.core.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link JwtShape} accepts exactly what the regular expression it replaces finds. */
class JwtShapeProperties {
  private static final Pattern REFERENCE =
      Pattern.compile("\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}");

  @Property(tries = 3000)
  void agreesWithTheRegex(@ForAll("jwtish") String s) {
    assertThat(JwtShape.foundIn(s)).as(s).isEqualTo(REFERENCE.matcher(s).find());
  }

  /** Strings built from pieces of JWTs, separators and noise, so that both outcomes are frequent. */
  @Provide
  Arbitrary<String> jwtish() {
    Arbitrary<String> piece = Arbitraries.oneOf(
        Arbitraries.of("eyJ", ".", "-", "_", " ", "\"", "x", "Z9", "eyJhbGciOi", "abcdefgh", "a.b", "xeyJ", "-eyJ", ".eyJ"),
        Arbitraries.strings().withChars("eyJa9_-. \"").ofMaxLength(12));
    return piece.list().ofMaxSize(14).map(l -> String.join("", l));
  }
}
