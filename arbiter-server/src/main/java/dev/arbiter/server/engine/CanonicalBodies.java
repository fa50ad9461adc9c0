package dev.arbiter.server.engine;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.CanonicalJsonException;
import dev.arbiter.core.canonical.JsonLimit;
import dev.arbiter.core.decision.FieldError;
import java.util.List;

/**
 * Request bodies are recorded and signed in their RFC 8785 form, so a body without one (a lone
 * surrogate in a rationale, an integer beyond 2^53, a non-finite number) is bad input, refused before
 * anything is done with it. Found in a black-box run: a lone surrogate in an approval's rationale was
 * a 500 after the challenge had been used up, with nothing on the decision's trail.
 */
public final class CanonicalBodies {
  private CanonicalBodies() {}

  /** Returns {@code root} if it has a canonical form; else 400 {@code not_canonical} at the value's path. */
  public static JsonNode require(JsonNode root) throws EngineException.InvalidInput {
    try {
      CanonicalJson.encode(root);
      return root;
    } catch (CanonicalJsonException e) {
      throw new EngineException.InvalidInput(List.of(notCanonical(e)));
    }
  }

  /**
   * The error for a body {@code StrictJson} could not read: a broken read limit (a 1,001-character
   * number, a 50,001-character name) under its own code from {@link JsonLimit}, as decision requests
   * report it, rather than as {@code malformed_json} (whose echo, cut at 80 characters, lost the
   * parser's reason); anything else as {@code malformed_json} with {@code got}.
   */
  public static FieldError unreadable(RuntimeException e, String got, String want) {
    if (e.getCause() instanceof StreamConstraintsException limit) {
      JsonLimit.Breach b = JsonLimit.of(limit);
      return new FieldError(b.limit().code(), "$", b.got(), b.want());
    }
    return new FieldError("malformed_json", "$", got, want);
  }

  static FieldError notCanonical(CanonicalJsonException e) {
    return new FieldError("not_canonical", e.path(), "a value with no RFC 8785 form",
        "integers within ±2^53 (send larger ids as strings), finite numbers, Unicode text");
  }
}
