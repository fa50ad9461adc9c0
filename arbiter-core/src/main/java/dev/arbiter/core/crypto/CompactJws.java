package dev.arbiter.core.crypto;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.text.ParseException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Arbiter's own compact JWS objects (grants, gateway proofs): Nimbus does the JOSE format, this
 * module's {@link SigningKey}/{@link VerifyingKey} do the signature (Ed25519 only: {@code alg:
 * EdDSA}). The header's {@code typ} is the domain separation: it is covered by the signature and
 * must equal what the verifier expects, so one kind of object can never pass as another.
 */
public final class CompactJws {
  /** Longest compact form accepted; anything longer is refused before parsing. */
  public static final int MAX_CHARS = 32 * 1024;

  private CompactJws() {}

  /** A verified object: its payload bytes and the key that signed it. */
  public record Verified(byte[] payload, KeyId keyId) {}

  /** Why a compact JWS was refused; {@code code} is stable. */
  public static final class Rejected extends Exception {
    private final String code;

    public Rejected(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  /** Headers by type and key id; a process signs with a handful of keys. */
  private static final java.util.Map<String, JWSHeader> HEADERS = new java.util.concurrent.ConcurrentHashMap<>();

  private static JWSHeader header(String type, SigningKey key) {
    JWSHeader built = new JWSHeader.Builder(JWSAlgorithm.EdDSA).type(new JOSEObjectType(type))
        .keyID(key.keyId().value()).build();
    try {
      return JWSHeader.parse(built.toBase64URL());
    } catch (ParseException e) {
      throw new IllegalStateException("a header Nimbus built did not parse", e);
    }
  }

  public static String sign(String type, byte[] payload, SigningKey key) {
    if (key.algorithm() != KeyAlgorithm.ED25519) {
      throw new IllegalArgumentException("compact JWS objects are signed with Ed25519 keys only, not " + key.algorithm().wireName());
    }
    // The header of a (type, key) pair never changes: parsed once, it keeps its base64url form, and
    // the payload is handed over already encoded (the JDK's encoder), so Nimbus only concatenates.
    JWSHeader header = HEADERS.computeIfAbsent(type + "\n" + key.keyId().value(), k -> header(type, key));
    JWSObject jws = new JWSObject(header,
        new Payload(new Base64URL(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(payload))));
    try {
      jws.sign(new Signer(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed", e);
    }
    return jws.serialize();
  }

  /**
   * Verifies a compact JWS of {@code type} signed by a key that {@code trusted} knows by its id.
   *
   * @throws Rejected {@code malformed}, {@code wrong_type}, {@code algorithm_not_allowed}, {@code
   *     unknown_key} or {@code bad_signature}
   */
  public static Verified verify(String compact, String type, Function<KeyId, Optional<VerifyingKey>> trusted)
      throws Rejected {
    if (compact == null || compact.isBlank() || compact.length() > MAX_CHARS) {
      throw new Rejected("malformed", "not a compact JWS (empty or longer than " + MAX_CHARS + " characters)");
    }
    JWSObject jws;
    try {
      jws = JWSObject.parse(compact.trim());
    } catch (ParseException | RuntimeException e) {
      throw new Rejected("malformed", "not a compact JWS");
    }
    // The signing input is the header's and payload's own base64url text, so their encodings are
    // fixed by the signature; the signature's is not. A last character whose unused bits differ
    // decodes to the same 64 bytes: one grant, many spellings. Only the canonical one is accepted.
    com.nimbusds.jose.util.Base64URL sig = jws.getSignature();
    if (sig == null || !com.nimbusds.jose.util.Base64URL.encode(sig.decode()).toString().equals(sig.toString())) {
      throw new Rejected("malformed", "the signature is not canonical base64url");
    }
    JWSHeader h = jws.getHeader();
    if (!JWSAlgorithm.EdDSA.equals(h.getAlgorithm())) {
      throw new Rejected("algorithm_not_allowed", "alg must be EdDSA, got " + h.getAlgorithm());
    }
    if (h.getType() == null || !type.equals(h.getType().getType())) {
      throw new Rejected("wrong_type", "typ must be " + type);
    }
    if (h.getCriticalParams() != null && !h.getCriticalParams().isEmpty()) {
      throw new Rejected("malformed", "no critical header parameters are understood");
    }
    KeyId kid;
    try {
      kid = new KeyId(h.getKeyID() == null ? "" : h.getKeyID());
    } catch (IllegalArgumentException e) {
      throw new Rejected("unknown_key", "kid is not a key id");
    }
    VerifyingKey key = trusted.apply(kid).orElseThrow(() -> new Rejected("unknown_key", "signed by an untrusted key " + kid));
    if (key.algorithm() != KeyAlgorithm.ED25519) {
      // VerifyingKey.verify follows the key's algorithm, not the header's: without this an ECDSA
      // signature by a trusted P-256 key would pass under `alg: EdDSA`
      throw new Rejected("algorithm_not_allowed", "kid " + kid + " names a " + key.algorithm().wireName() + " key; only ed25519 keys sign compact JWS objects");
    }
    boolean ok;
    try {
      ok = jws.verify(new Verifier(key));
    } catch (JOSEException | RuntimeException e) {
      ok = false;
    }
    if (!ok) {
      throw new Rejected("bad_signature", "the signature does not verify under " + kid);
    }
    byte[] payload;
    try {
      // The JDK's decoder, not Nimbus' Payload.toBytes(): same bytes for well-formed input, strict
      // about the alphabet, and several times faster on the ~1.5 KB grants a gateway decodes per call.
      payload = java.util.Base64.getUrlDecoder().decode(jws.getParsedParts()[1].toString());
    } catch (IllegalArgumentException e) {
      throw new Rejected("malformed", "the payload is not base64url");
    }
    return new Verified(payload, kid);
  }

  private record Signer(SigningKey key) implements JWSSigner {
    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) {
      return Base64URL.encode(key.sign(signingInput));
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return new JCAContext();
    }
  }

  private record Verifier(VerifyingKey key) implements JWSVerifier {
    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) {
      try {
        key.verify(signingInput, signature.decode());
        return true;
      } catch (SignatureVerificationException e) {
        return false;
      }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return new JCAContext();
    }
  }
}
