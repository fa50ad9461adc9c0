package dev.arbiter.core.approval;

import java.util.Base64;

/** A signature as clients send it: standard or URL-safe base64 (padding optional), whichever they use. */
public final class SignatureText {
  private SignatureText() {}

  /**
   * @throws IllegalArgumentException when {@code text} is neither form
   */
  public static byte[] decode(String text) {
    return text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text) : Base64.getDecoder().decode(text);
  }
}
