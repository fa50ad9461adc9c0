package dev.arbiter.core.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CompactJwsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final SigningKey KEY = SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
  private static final String TYPE = "arbiter-test+jwt";

  static Function<KeyId, Optional<VerifyingKey>> trusting(SigningKey... keys) {
    return kid -> {
      for (SigningKey k : keys) {
        if (k.keyId().equals(kid)) {
          return Optional.of(k.verifyingKey());
        }
      }
      return Optional.empty();
    };
  }

  static String code(String compact, String type, Function<KeyId, Optional<VerifyingKey>> trusted) {
    try {
      CompactJws.verify(compact, type, trusted);
      return "accepted";
    } catch (CompactJws.Rejected e) {
      return e.code();
    }
  }

  @Test
  void signThenVerify_returnsPayloadAndKeyId() throws Exception {
    byte[] payload = "{\"a\":1}".getBytes(UTF_8);
    CompactJws.Verified v = CompactJws.verify(CompactJws.sign(TYPE, payload, KEY), TYPE, trusting(KEY));
    assertThat(v.payload()).isEqualTo(payload);
    assertThat(v.keyId()).isEqualTo(KEY.keyId());
  }

  @Property(tries = 50)
  void roundTrip_anyPayloadBytes(@ForAll @Size(max = 300) byte[] payload) throws Exception {
    assertThat(CompactJws.verify(CompactJws.sign(TYPE, payload, KEY), TYPE, trusting(KEY)).payload()).isEqualTo(payload);
  }

  /** The cached header and pre-encoded payload give exactly what Nimbus' own builder path gives. */
  @Property(tries = 50)
  void sign_isByteForByteNimbusOwnSerialisation(@ForAll @Size(max = 300) byte[] payload) throws Exception {
    for (String type : List.of(TYPE, "arbiter-grant+jwt")) {
      com.nimbusds.jose.JWSObject reference = new com.nimbusds.jose.JWSObject(
          new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.EdDSA)
              .type(new com.nimbusds.jose.JOSEObjectType(type)).keyID(KEY.keyId().value()).build(),
          new com.nimbusds.jose.Payload(payload));
      String signingInput = new String(reference.getSigningInput(), UTF_8);
      String expected = signingInput + "." + B64URL.encodeToString(KEY.sign(reference.getSigningInput()));
      assertThat(CompactJws.sign(type, payload, KEY)).isEqualTo(expected);
    }
  }

  /** Signed by a trusted key, but the payload part is standard base64 ('+', '/', '='): not a JWS. */
  @Test
  void aSignedPayloadOutsideTheBase64urlAlphabet_isMalformed() {
    String header = CompactJws.sign(TYPE, new byte[0], KEY).split("\\.")[0];
    for (String payloadPart : List.of("+/8=", "a b", "Zm9v=====")) {
      String signingInput = header + "." + payloadPart;
      String compact = signingInput + "." + B64URL.encodeToString(KEY.sign(signingInput.getBytes(UTF_8)));
      assertThat(code(compact, TYPE, trusting(KEY))).as(payloadPart).isEqualTo("malformed");
    }
  }

  /**
   * 64 signature bytes are 86 base64url characters; the last carries 2 unused bits, so four spellings
   * decode to the same signature. Each would verify, and be one grant under four names.
   */
  @Test
  void aSignatureSpelledNonCanonically_isMalformed() {
    String compact = CompactJws.sign(TYPE, "{\"a\":1}".getBytes(UTF_8), KEY);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = compact.charAt(compact.length() - 1);
    int spellings = 0;
    for (int bits = 1; bits < 4; bits++) {
      char other = alphabet.charAt(alphabet.indexOf(last) ^ bits);
      String variant = compact.substring(0, compact.length() - 1) + other;
      byte[] sig = java.util.Base64.getUrlDecoder().decode(variant.substring(variant.lastIndexOf('.') + 1));
      byte[] original = java.util.Base64.getUrlDecoder().decode(compact.substring(compact.lastIndexOf('.') + 1));
      assertThat(sig).as("the variant decodes to the same signature").isEqualTo(original);
      assertThat(code(variant, TYPE, trusting(KEY))).as(variant).isEqualTo("malformed");
      spellings++;
    }
    assertThat(spellings).isEqualTo(3);
    assertThat(code(compact, TYPE, trusting(KEY))).isEqualTo("accepted");
  }

  @Test
  void sign_isDeterministicForEd25519() {
    byte[] payload = "x".getBytes(UTF_8);
    assertThat(CompactJws.sign(TYPE, payload, KEY)).isEqualTo(CompactJws.sign(TYPE, payload, KEY));
  }

  @Test
  void sign_refusesEcdsaKeys() {
    SigningKey p256 = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    assertThatThrownBy(() -> CompactJws.sign(TYPE, new byte[0], p256))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Ed25519");
  }

  @Test
  void typ_isTheDomainSeparation() {
    String compact = CompactJws.sign("arbiter-gateway-proof+jwt", "{}".getBytes(UTF_8), KEY);
    assertThat(code(compact, "arbiter-grant+jwt", trusting(KEY))).isEqualTo("wrong_type");
    assertThat(code(compact, "arbiter-gateway-proof+jwt", trusting(KEY))).isEqualTo("accepted");
  }

  @Test
  void trustedLookup_isNotConsulted_forAWrongAlgorithmOrType() {
    List<KeyId> asked = new ArrayList<>();
    Function<KeyId, Optional<VerifyingKey>> spy = kid -> {
      asked.add(kid);
      return trusting(KEY).apply(kid);
    };
    String wrongType = CompactJws.sign("other+jwt", new byte[] {1}, KEY);
    assertThat(code(wrongType, TYPE, spy)).isEqualTo("wrong_type");
    String header = "{\"alg\":\"HS256\",\"typ\":\"" + TYPE + "\",\"kid\":\"" + KEY.keyId().value() + "\"}";
    String hs = B64URL.encodeToString(header.getBytes(UTF_8)) + ".e30." + B64URL.encodeToString(new byte[32]);
    assertThat(code(hs, TYPE, spy)).isEqualTo("algorithm_not_allowed");
    assertThat(asked).isEmpty();
    assertThat(code(CompactJws.sign(TYPE, new byte[] {1}, KEY), TYPE, spy)).isEqualTo("accepted");
    assertThat(asked).containsExactly(KEY.keyId());
  }

  @Test
  void nonEd25519TrustedKey_isNotAllowed_evenWithAMatchingSignature() {
    SigningKey p256 = SigningKey.generate(KeyAlgorithm.ECDSA_P256, RANDOM);
    String header = "{\"alg\":\"EdDSA\",\"typ\":\"" + TYPE + "\",\"kid\":\"" + p256.keyId().value() + "\"}";
    String input = B64URL.encodeToString(header.getBytes(UTF_8)) + "." + B64URL.encodeToString("{}".getBytes(UTF_8));
    String compact = input + "." + B64URL.encodeToString(p256.sign(input.getBytes(UTF_8)));
    assertThat(code(compact, TYPE, trusting(p256))).isEqualTo("algorithm_not_allowed");
  }

  @Test
  void maxChars_isInclusive() throws Exception {
    // find a typ and payload size whose compact form is exactly MAX_CHARS long
    String exact = null;
    String typ = null;
    for (int pad = 0; exact == null && pad < 4; pad++) {
      typ = "t" + "x".repeat(pad) + "+jwt";
      int fixed = CompactJws.sign(typ, new byte[0], KEY).length();
      for (int n = (CompactJws.MAX_CHARS - fixed) * 3 / 4 - 3; n <= (CompactJws.MAX_CHARS - fixed) * 3 / 4 + 3; n++) {
        String c = CompactJws.sign(typ, new byte[n], KEY);
        if (c.length() == CompactJws.MAX_CHARS) {
          exact = c;
          break;
        }
      }
    }
    assertThat(exact).hasSize(CompactJws.MAX_CHARS);
    assertThat(CompactJws.verify(exact, typ, trusting(KEY)).payload()).isNotEmpty();
    String longer = CompactJws.sign(typ, new byte[CompactJws.verify(exact, typ, trusting(KEY)).payload().length + 1], KEY);
    assertThat(longer.length()).isGreaterThan(CompactJws.MAX_CHARS);
    assertThat(code(longer, typ, trusting(KEY))).isEqualTo("malformed");
  }

  @Test
  void rejected_hasAStableCodeAndNoStackTrace() {
    CompactJws.Rejected r = new CompactJws.Rejected("malformed", "m");
    assertThat(r.code()).isEqualTo("malformed");
    assertThat(r.getMessage()).isEqualTo("m");
    assertThat(r.getStackTrace()).isEmpty();
  }
}
