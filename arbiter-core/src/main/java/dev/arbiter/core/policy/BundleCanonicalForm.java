package dev.arbiter.core.policy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.canonical.CanonicalJson;
import dev.arbiter.core.crypto.Sha256;

/**
 * Canonical encoding and content address of a {@link BundleSource}:
 *
 * <pre>
 *   canonical = RFC 8785 JSON of {"files": {&lt;file name&gt;: &lt;UTF-8 text&gt;, ...}, "format": "arbiter-policy-bundle-v1"}
 *   hash      = "sha256:" ‖ lowercase hex SHA-256(canonical)
 * </pre>
 */
final class BundleCanonicalForm {
  private BundleCanonicalForm() {}

  static ObjectNode tree(BundleSource source) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode files = root.putObject("files");
    source.files().forEach(files::put);
    root.put("format", BundleSource.FORMAT);
    return root;
  }

  static byte[] encode(BundleSource source) {
    return CanonicalJson.encode(tree(source));
  }

  static String hash(byte[] canonical) {
    return Sha256.prefixed(Sha256.digest(canonical));
  }
}
