package dev.arbiter.gateway;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.gateway.execution.ExecutionRecorder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Everything a {@link GatewayServer} needs, validated once and immutable. There is deliberately no
 * setting that turns enforcement off: without a grant, a burn and a recorded start, nothing is
 * forwarded.
 *
 * @param host listen address; on a loopback address only loopback Host headers are answered
 * @param port listen port, 0 for any free port
 * @param tools the tools behind the gateway (unique names)
 * @param trustedEngineKeys engine keys that sign grants
 * @param trustedLedgerKey the ledger's checkpoint key (receipts in grants are verified with it)
 * @param gatewayKey the gateway's own Ed25519 key, signing {@code Arbiter-Gateway-Proof}s
 * @param burnStore the burn store's SQLite file (created if missing)
 * @param recorder where executions are recorded ({@code EngineExecutionRecorder} in production)
 * @param clock the gateway's clock
 * @param skew tolerated clock difference for grant validity windows (0 to 5 min)
 */
public record GatewayConfig(String host, int port, List<ToolRoute> tools, List<VerifyingKey> trustedEngineKeys,
    VerifyingKey trustedLedgerKey, SigningKey gatewayKey, Path burnStore, ExecutionRecorder recorder, Clock clock,
    Duration skew) {
  /** The skew used when a configuration file does not set {@code skew_seconds}. */
  public static final Duration DEFAULT_SKEW = Duration.ofSeconds(30);

  public GatewayConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tools, "tools");
    Objects.requireNonNull(trustedEngineKeys, "trustedEngineKeys");
    Objects.requireNonNull(trustedLedgerKey, "trustedLedgerKey");
    Objects.requireNonNull(gatewayKey, "gatewayKey");
    Objects.requireNonNull(burnStore, "burnStore");
    Objects.requireNonNull(recorder, "recorder");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(skew, "skew");
    if (host.isBlank()) {
      throw new IllegalArgumentException("listen host is required");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("listen port must be 0..65535, got " + port);
    }
    tools = List.copyOf(tools);
    Set<String> names = new HashSet<>();
    for (ToolRoute t : tools) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("tool `" + t.name() + "` is configured twice");
      }
    }
    trustedEngineKeys = List.copyOf(trustedEngineKeys);
    if (trustedEngineKeys.isEmpty()) {
      throw new IllegalArgumentException("at least one trusted engine key is required");
    }
    for (var k : trustedEngineKeys) {
      if (k.algorithm() != KeyAlgorithm.ED25519) {
        throw new IllegalArgumentException("engine keys sign grants (JWS EdDSA) and must be Ed25519; " + k.keyId() + " is "
            + k.algorithm().wireName());
      }
    }
    if (gatewayKey.algorithm() != KeyAlgorithm.ED25519) {
      throw new IllegalArgumentException("the gateway key must be Ed25519, got " + gatewayKey.algorithm());
    }
    if (skew.isNegative() || skew.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("skew must be between 0 and 5 minutes, got " + skew);
    }
  }

  /** The tools by name. */
  public Map<String, ToolRoute> toolsByName() {
    return tools.stream().collect(Collectors.toUnmodifiableMap(ToolRoute::name, Function.identity()));
  }

  /**
   * Reads a gateway configuration file (YAML or JSON; relative paths are resolved against the file's
   * directory):
   *
   * <pre>{@code
   * listen: {host: 127.0.0.1, port: 8081}
   * engine_keys: [keys/engine.pub.pem]      # PUBLIC KEY PEM files
   * ledger_key: keys/ledger.pub.pem
   * gateway_key: keys/gateway.key.pem       # PRIVATE KEY PEM (Ed25519)
   * burn_store: data/burned-grants.db
   * skew_seconds: 30                        # optional
   * tools:
   *   - name: deployer
   *     upstream: http://127.0.0.1:9001/execute
   *     allowed_classes: [deploy]
   *     timeout_ms: 10000
   * }</pre>
   *
   * @param recorder where executions are recorded (built by the caller: it needs the engine URL and
   *     a token source)
   * @throws GatewayConfigException naming the file and the field, for any missing, unknown or invalid
   *     field and any unreadable key file
   */
  public static GatewayConfig load(Path file, ExecutionRecorder recorder) throws GatewayConfigException {
    return GatewayConfigFile.read(file, recorder);
  }
}
