package dev.arbiter.gateway;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.gateway.execution.ExecutionRecorder;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the gateway configuration file ({@link GatewayConfig#load}). Strict: unknown fields,
 * duplicate keys, wrong types and missing required fields are errors naming the field path; nothing is
 * defaulted except {@code skew_seconds} and {@code listen.host} (127.0.0.1).
 */
final class GatewayConfigFile {
  private static final YAMLMapper YAML =
      new YAMLMapper(YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
  private static final Set<String> TOP = Set.of("listen", "engine_keys", "ledger_key", "gateway_key", "burn_store",
      "skew_seconds", "tools");
  private static final Set<String> LISTEN = Set.of("host", "port");
  private static final Set<String> TOOL = Set.of("name", "upstream", "allowed_classes", "timeout_ms", "environments");

  private final Path file;
  private final Path dir;

  private GatewayConfigFile(Path file) {
    this.file = file;
    Path parent = file.toAbsolutePath().getParent();
    this.dir = parent == null ? Path.of(".") : parent;
  }

  static GatewayConfig read(Path file, ExecutionRecorder recorder) throws GatewayConfigException {
    return new GatewayConfigFile(file).read(recorder);
  }

  private GatewayConfig read(ExecutionRecorder recorder) throws GatewayConfigException {
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // Jackson's own text names SnakeYAML's event classes; where it went wrong is what helps.
      var at = e.getLocation();
      throw error("not valid YAML" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()), e);
    } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
      throw error("no such file", e);
    } catch (IOException e) {
      throw error("cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw error("expected a mapping at the top level", null);
    }
    onlyFields(root, TOP, "");
    JsonNode listen = required(root, "listen", "");
    onlyFields(listen, LISTEN, "listen.");
    String host = listen.has("host") ? text(listen, "host", "listen.") : "127.0.0.1";
    int port = (int) integer(listen, "port", "listen.", 0, 65535);
    List<VerifyingKey> engineKeys = new ArrayList<>();
    JsonNode ek = required(root, "engine_keys", "");
    if (!ek.isArray() || ek.isEmpty()) {
      throw error("engine_keys: expected a non-empty list of PUBLIC KEY PEM files", null);
    }
    for (int i = 0; i < ek.size(); i++) {
      if (!ek.get(i).isTextual()) {
        throw error("engine_keys[" + i + "]: expected a file path", null);
      }
      engineKeys.add(publicKey(ek.get(i).asText(), "engine_keys[" + i + "]"));
    }
    VerifyingKey ledgerKey = publicKey(text(root, "ledger_key", ""), "ledger_key");
    SigningKey gatewayKey = privateKey(text(root, "gateway_key", ""), "gateway_key");
    Path burnStore = dir.resolve(text(root, "burn_store", ""));
    Duration skew = root.has("skew_seconds")
        ? Duration.ofSeconds(integer(root, "skew_seconds", "", 0, 300)) : GatewayConfig.DEFAULT_SKEW;
    JsonNode tools = required(root, "tools", "");
    if (!tools.isArray() || tools.isEmpty()) {
      throw error("tools: expected a non-empty list (a gateway in front of no tool enforces nothing)", null);
    }
    List<ToolRoute> routes = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      routes.add(tool(tools.get(i), "tools[" + i + "]."));
    }
    try {
      return new GatewayConfig(host, port, routes, engineKeys, ledgerKey, gatewayKey, burnStore, recorder,
          Clock.systemUTC(), skew);
    } catch (IllegalArgumentException e) {
      throw error(e.getMessage(), e);
    }
  }

  private ToolRoute tool(JsonNode t, String at) throws GatewayConfigException {
    if (!t.isObject()) {
      throw error(at.substring(0, at.length() - 1) + ": expected a mapping", null);
    }
    onlyFields(t, TOOL, at);
    String name = text(t, "name", at);
    URI upstream;
    try {
      upstream = new URI(text(t, "upstream", at));
    } catch (URISyntaxException e) {
      // Not e.getMessage(): it quotes the whole input, a password in it included.
      throw error(at + "upstream: not a URL: " + e.getReason() + " at index " + e.getIndex() + " of `"
          + ToolRoute.withoutUserInfo(e.getInput()) + "`", null);
    }
    JsonNode classes = required(t, "allowed_classes", at);
    if (!classes.isArray()) {
      throw error(at + "allowed_classes: expected a list of action classes", null);
    }
    Set<String> allowed = new LinkedHashSet<>();
    for (JsonNode c : classes) {
      if (!c.isTextual() || c.asText().isBlank()) {
        throw error(at + "allowed_classes: expected action class names", null);
      }
      allowed.add(c.asText());
    }
    Duration timeout = Duration.ofMillis(integer(t, "timeout_ms", at, 1, 600_000));
    Set<String> environments = new LinkedHashSet<>();
    JsonNode envs = t.get("environments");
    if (envs != null) {
      if (!envs.isArray() || envs.isEmpty()) {
        throw error(at + "environments: expected a non-empty list among dev, staging, production", null);
      }
      for (JsonNode e : envs) {
        if (!e.isTextual()) {
          throw error(at + "environments: expected environment names", null);
        }
        environments.add(e.asText());
      }
    }
    try {
      return new ToolRoute(name, upstream, allowed, timeout, environments);
    } catch (IllegalArgumentException e) {
      throw error(at + " " + e.getMessage(), e);
    }
  }

  private VerifyingKey publicKey(String path, String field) throws GatewayConfigException {
    try {
      return VerifyingKey.load(dir.resolve(path));
    } catch (KeyFormatException | IOException e) {
      throw error(field + ": " + e.getMessage(), e);
    }
  }

  private SigningKey privateKey(String path, String field) throws GatewayConfigException {
    java.nio.file.Path file = dir.resolve(path);
    try {
      // Whoever reads the gateway's key can sign gateway proofs: tools would run what they are sent.
      var perms = java.nio.file.Files.getPosixFilePermissions(file);
      if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
        throw error(field + ": " + file + " is accessible by group or others ("
            + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); run chmod 600 " + file, null);
      }
    } catch (UnsupportedOperationException | IOException e) {
      // no POSIX permissions here (or unreadable: the load below names the problem)
    }
    try {
      return SigningKey.load(file);
    } catch (KeyFormatException | IOException e) {
      throw error(field + ": " + e.getMessage(), e);
    }
  }

  private void onlyFields(JsonNode n, Set<String> allowed, String at) throws GatewayConfigException {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw error(at + f + ": unknown field; expected one of " + new java.util.TreeSet<>(allowed), null);
      }
    }
  }

  private JsonNode required(JsonNode n, String field, String at) throws GatewayConfigException {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw error(at + field + ": required", null);
    }
    return v;
  }

  private String text(JsonNode n, String field, String at) throws GatewayConfigException {
    JsonNode v = required(n, field, at);
    if (!v.isTextual() || v.asText().isBlank()) {
      throw error(at + field + ": expected a non-empty string", null);
    }
    return v.asText();
  }

  private long integer(JsonNode n, String field, String at, long min, long max) throws GatewayConfigException {
    JsonNode v = required(n, field, at);
    // canConvertToLong first: asLong() wraps values past 2^63 (2^64 + 5000 would read as 5000)
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw error(at + field + ": expected an integer in [" + min + ", " + max + "], got `" + v.asText() + "`", null);
    }
    return v.asLong();
  }

  private GatewayConfigException error(String message, Throwable cause) {
    return new GatewayConfigException(file + ": " + message, cause);
  }
}
