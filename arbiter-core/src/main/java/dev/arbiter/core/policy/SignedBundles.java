package dev.arbiter.core.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.canonical.JsonInputException;
import dev.arbiter.core.canonical.StrictJson;
import dev.arbiter.core.crypto.DomainSeparation;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.SignatureVerificationException;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Signed policy bundles: the file {@code arbiter policy build} writes and the only form the engine
 * loads. The file is itself RFC 8785 canonical JSON:
 *
 * <pre>
 * {
 *   "bundle":    {"files": {"authority.yaml": "...", "bundle.yaml": "...", ...},
 *                 "format": "arbiter-policy-bundle-v1"},
 *   "format":    "arbiter-signed-policy-bundle-v1",
 *   "hash":      "sha256:&lt;hex of SHA-256(canonical(bundle))&gt;",
 *   "signature": {"algorithm": "ed25519", "key_id": "sha256:&lt;hex&gt;", "value": "&lt;base64&gt;"}
 * }
 * signature.value = Ed25519(policy key, "arbiter-policy-bundle-v1" ‖ 0x00 ‖ canonical(bundle))
 * </pre>
 *
 * <p>Verification pins the algorithm (ed25519) and the keys (the caller's trusted set; the key id in
 * the file only selects among them). Order: parse strictly, reject impossible shapes, recompute the
 * hash and compare, find the trusted key, verify the signature, and only then compile the very
 * bytes that were verified.
 */
public final class SignedBundles {
  public static final String FORMAT = "arbiter-signed-policy-bundle-v1";
  /** The domain-separation context of bundle signatures. */
  public static final String SIGNING_CONTEXT = "arbiter-policy-bundle-v1";

  private static final Set<String> TOP_KEYS = Set.of("bundle", "format", "hash", "signature");
  private static final Set<String> BUNDLE_KEYS = Set.of("files", "format");
  private static final Set<String> SIGNATURE_KEYS = Set.of("algorithm", "key_id", "value");

  private SignedBundles() {}

  /** Signs a compiled bundle's source with an Ed25519 policy key; returns the file bytes. */
  public static byte[] sign(PolicyBundle bundle, SigningKey policyKey) {
    if (policyKey.algorithm() != KeyAlgorithm.ED25519) {
      throw new IllegalArgumentException("policy keys must be ed25519, got " + policyKey.algorithm().wireName());
    }
    byte[] canonical = bundle.source().canonicalJson();
    byte[] signature = policyKey.sign(DomainSeparation.signingInput(SIGNING_CONTEXT, canonical));
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("bundle", BundleCanonicalForm.tree(bundle.source()));
    root.put("format", FORMAT);
    root.put("hash", BundleCanonicalForm.hash(canonical));
    ObjectNode sig = root.putObject("signature");
    sig.put("algorithm", KeyAlgorithm.ED25519.wireName());
    sig.put("key_id", policyKey.keyId().value());
    sig.put("value", Base64.getEncoder().encodeToString(signature));
    return CanonicalJson.encode(root);
  }

  /**
   * Verifies and compiles a signed bundle file.
   *
   * @param trustedPolicyKeys the configured policy keys; nothing else is ever trusted
   * @throws BundleVerificationException the file is not a validly signed bundle from a trusted key
   * @throws BundleReadException the file cannot be read, or verified YAML is malformed
   * @throws PolicyCompilationException the verified bundle does not compile
   */
  public static PolicyBundle load(Path file, Set<VerifyingKey> trustedPolicyKeys)
      throws BundleVerificationException, BundleReadException, PolicyCompilationException {
    byte[] bytes;
    try {
      bytes = dev.arbiter.core.io.BoundedFiles.read(file, 4 * PolicyBundles.MAX_FILE_BYTES);
    } catch (IOException e) {
      throw new BundleReadException("cannot read signed bundle `" + file + "`: " + e.getMessage(), e);
    }
    return PolicyBundles.compile(verify(bytes, trustedPolicyKeys));
  }

  /** Verifies signed bundle bytes and returns the verified source (not yet compiled). */
  public static BundleSource verify(byte[] untrustedFile, Set<VerifyingKey> trustedPolicyKeys)
      throws BundleVerificationException {
    JsonNode root;
    try {
      root = StrictJson.parse(untrustedFile);
    } catch (JsonInputException e) {
      throw malformed("not strict JSON: " + e.getMessage());
    }
    if (!root.isObject()) {
      throw malformed("expected a JSON object");
    }
    if (!root.has("signature") || root.get("signature").isNull()) {
      throw new BundleVerificationException(BundleVerificationException.Reason.UNSIGNED, "the bundle carries no signature");
    }
    exactKeys(root, TOP_KEYS, "");
    if (!FORMAT.equals(text(root, "format", ""))) {
      throw malformed("`format` must be `" + FORMAT + "`");
    }
    String claimedHash = text(root, "hash", "");
    JsonNode sig = object(root, "signature", "");
    exactKeys(sig, SIGNATURE_KEYS, "signature.");
    String algorithm = text(sig, "algorithm", "signature.");
    if (!algorithm.equals(KeyAlgorithm.ED25519.wireName())) {
      throw new BundleVerificationException(BundleVerificationException.Reason.WRONG_ALGORITHM,
          "policy bundles are signed with ed25519 only", KeyAlgorithm.ED25519.wireName(), algorithm);
    }
    KeyId keyId;
    try {
      keyId = new KeyId(text(sig, "key_id", "signature."));
    } catch (IllegalArgumentException e) {
      throw malformed("`signature.key_id`: " + e.getMessage());
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(text(sig, "value", "signature."));
    } catch (IllegalArgumentException e) {
      throw malformed("`signature.value` is not base64");
    }
    BundleSource source = source(object(root, "bundle", ""));

    byte[] canonical = source.canonicalJson();
    String computedHash = BundleCanonicalForm.hash(canonical);
    if (!computedHash.equals(claimedHash)) {
      throw new BundleVerificationException(BundleVerificationException.Reason.HASH_MISMATCH,
          "the bundle's content does not match its claimed hash", claimedHash, computedHash);
    }
    VerifyingKey key = null;
    for (VerifyingKey k : trustedPolicyKeys) {
      if (k.keyId().equals(keyId)) {
        key = k;
      }
    }
    if (key == null) {
      throw new BundleVerificationException(BundleVerificationException.Reason.UNKNOWN_KEY,
          "signed by `" + keyId + "`, which is not a trusted policy key", "one of " + trustedPolicyKeys.size() + " trusted policy keys", keyId.value());
    }
    if (key.algorithm() != KeyAlgorithm.ED25519) {
      throw new BundleVerificationException(BundleVerificationException.Reason.WRONG_ALGORITHM,
          "trusted key `" + keyId + "` is not an ed25519 key", KeyAlgorithm.ED25519.wireName(), key.algorithm().wireName());
    }
    try {
      key.verify(DomainSeparation.signingInput(SIGNING_CONTEXT, canonical), signature);
    } catch (SignatureVerificationException e) {
      throw new BundleVerificationException(BundleVerificationException.Reason.BAD_SIGNATURE,
          "signature does not verify under `" + keyId + "`: " + e.getMessage());
    }
    return source;
  }

  private static BundleSource source(JsonNode bundle) throws BundleVerificationException {
    exactKeys(bundle, BUNDLE_KEYS, "bundle.");
    if (!BundleSource.FORMAT.equals(text(bundle, "format", "bundle."))) {
      throw malformed("`bundle.format` must be `" + BundleSource.FORMAT + "`");
    }
    JsonNode files = object(bundle, "files", "bundle.");
    Map<String, String> texts = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = files.properties().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!BundleSource.FILE_NAMES.contains(e.getKey())) {
        throw malformed("`bundle.files` holds `" + e.getKey() + "`, which is not a bundle file");
      }
      if (!e.getValue().isTextual()) {
        throw malformed("`bundle.files." + e.getKey() + "` must be a string");
      }
      texts.put(e.getKey(), e.getValue().asText());
    }
    if (!texts.containsKey("bundle.yaml")) {
      throw malformed("`bundle.files` has no `bundle.yaml`");
    }
    return new BundleSource(texts);
  }

  private static void exactKeys(JsonNode obj, Set<String> keys, String prefix) throws BundleVerificationException {
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!keys.contains(k)) {
        throw malformed("unknown field `" + prefix + k + "`");
      }
    }
  }

  private static JsonNode object(JsonNode obj, String key, String prefix) throws BundleVerificationException {
    JsonNode n = obj.get(key);
    if (n == null || !n.isObject()) {
      throw malformed("`" + prefix + key + "` must be an object");
    }
    return n;
  }

  private static String text(JsonNode obj, String key, String prefix) throws BundleVerificationException {
    JsonNode n = obj.get(key);
    if (n == null || !n.isTextual()) {
      throw malformed("`" + prefix + key + "` must be a string");
    }
    return n.asText();
  }

  private static BundleVerificationException malformed(String message) {
    return new BundleVerificationException(BundleVerificationException.Reason.MALFORMED, message);
  }
}
