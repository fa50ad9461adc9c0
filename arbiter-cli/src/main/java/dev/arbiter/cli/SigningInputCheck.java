package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The CLI never signs bytes it did not compute itself: an engine's {@code signing_input} (base64 or
 * base64url) must equal, in constant time, the bytes the CLI rebuilt from the fields it was shown.
 */
final class SigningInputCheck {
  private SigningInputCheck() {}

  /**
   * Returns normally only when {@code claimed} is base64 of exactly {@code computed}.
   *
   * @param context the signing context, for the message ({@code arbiter-approval-v1})
   * @param what what the input was computed from ("its own challenge")
   * @throws CliFailure exit 1, with "nothing was signed or sent"
   */
  static void requireSame(JsonNode claimed, byte[] computed, String context, String what) {
    if (claimed == null || !claimed.isTextual()) {
      throw refuse("the engine sent no signing_input");
    }
    byte[] claimedBytes;
    try {
      claimedBytes = Base64.getDecoder().decode(claimed.asText());
    } catch (IllegalArgumentException e) {
      try {
        claimedBytes = Base64.getUrlDecoder().decode(claimed.asText());
      } catch (IllegalArgumentException e2) {
        throw refuse("the engine's signing_input is not base64");
      }
    }
    if (!MessageDigest.isEqual(claimedBytes, computed)) {
      throw refuse("the engine's signing_input differs from " + context + " ‖ 0x00 ‖ canonical JSON of " + what
          + "; refusing to sign bytes the CLI did not compute");
    }
  }

  static CliFailure refuse(String why) {
    return CliFailure.verification(why + "; nothing was signed or sent");
  }
}
