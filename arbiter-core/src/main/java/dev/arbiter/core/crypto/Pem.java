package dev.arbiter.core.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 7468 PEM, strict: exactly one block with the expected label, base64 body, 64-character lines
 * when writing (what OpenSSL writes and reads). Messages never include the body.
 */
final class Pem {
  static final String PRIVATE_KEY = "PRIVATE KEY";
  static final String PUBLIC_KEY = "PUBLIC KEY";

  private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");
  private static final Base64.Encoder ENCODER =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private Pem() {}

  /** Largest key file read: a PEM key is a few KB; anything far larger (or endless, /dev/zero) is not one. */
  static final int MAX_FILE_BYTES = 64 * 1024;

  /**
   * Reads a PEM file as ASCII, at most {@link #MAX_FILE_BYTES}: a path to something endless must not
   * exhaust the memory of whoever loads a key.
   */
  static String read(java.nio.file.Path file) throws KeyFormatException, java.io.IOException {
    byte[] bytes;
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new KeyFormatException(file + ": larger than " + MAX_FILE_BYTES / 1024 + " KiB: not a PEM key file");
    }
    try {
      return java.nio.charset.StandardCharsets.US_ASCII.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new KeyFormatException(file + ": not a PEM file (non-ASCII content)");
    }
  }

  static String encode(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + ENCODER.encodeToString(der) + "\n-----END " + label + "-----\n";
  }

  static byte[] decode(String pem, String expectedLabel) throws KeyFormatException {
    if (pem == null) {
      throw new KeyFormatException("no PEM text given");
    }
    Matcher begin = BEGIN.matcher(pem);
    if (!begin.find()) {
      throw new KeyFormatException("not PEM: no `-----BEGIN " + expectedLabel + "-----` line");
    }
    String label = begin.group(1);
    if (!label.equals(expectedLabel)) {
      throw new KeyFormatException(wrongLabel(label, expectedLabel));
    }
    if (!pem.substring(0, begin.start()).isBlank()) {
      throw new KeyFormatException("unexpected text before `-----BEGIN " + label + "-----`");
    }
    String end = "-----END " + label + "-----";
    int endAt = pem.indexOf(end, begin.end());
    if (endAt < 0) {
      throw new KeyFormatException("PEM block has no `" + end + "` line");
    }
    if (!pem.substring(endAt + end.length()).isBlank()) {
      throw new KeyFormatException("unexpected text after `" + end + "` (only one PEM block is allowed)");
    }
    String body = pem.substring(begin.end(), endAt);
    if (body.contains(":")) {
      throw new KeyFormatException("encrypted or legacy PEM headers are not supported; use unencrypted PKCS#8");
    }
    StringBuilder b64 = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') {
        b64.append(c);
      }
    }
    try {
      byte[] der = Base64.getDecoder().decode(b64.toString());
      if (der.length == 0) {
        throw new KeyFormatException("PEM block `" + label + "` is empty");
      }
      return der;
    } catch (IllegalArgumentException e) {
      throw new KeyFormatException("PEM block `" + label + "` is not valid base64");
    }
  }

  private static String wrongLabel(String found, String expected) {
    String hint =
        switch (found) {
          case "EC PRIVATE KEY" -> " (SEC1; convert with `openssl pkcs8 -topk8 -nocrypt`)";
          case "ENCRYPTED PRIVATE KEY" -> " (decrypt with `openssl pkcs8 -topk8 -nocrypt` first)";
          case "RSA PRIVATE KEY", "RSA PUBLIC KEY" -> " (RSA is not supported; use ed25519 or ecdsa-p256)";
          case "PRIVATE KEY" -> " (this is a private key: never distribute it; derive the public key with `openssl pkey -pubout`)";
          case "PUBLIC KEY" -> " (this is a public key; signing needs the private key)";
          case "CERTIFICATE" -> " (extract the key with `openssl x509 -pubkey -noout`)";
          default -> "";
        };
    return "expected a `" + expected + "` PEM block, found `" + found + "`" + hint;
  }
}
