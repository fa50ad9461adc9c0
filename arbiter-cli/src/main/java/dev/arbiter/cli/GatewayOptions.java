package dev.arbiter.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of {@code arbiter serve --role gateway} ({@link GatewayRole}). They are refused with
 * {@code --role all}, and all three are required with {@code --role gateway}.
 */
public final class GatewayOptions {
  @Option(names = "--gateway-config", paramLabel = "FILE",
      description = "Gateway configuration (YAML or JSON): listen, engine_keys, ledger_key, gateway_key, burn_store,"
          + " skew_seconds, tools (--role gateway only).")
  Path config;

  @Option(names = "--engine", paramLabel = "URL",
      description = "Engine base URL executions are recorded on (POST /v1/executions; plain http only to loopback;"
          + " --role gateway only).")
  String engine;

  @Option(names = "--engine-token-file", paramLabel = "FILE",
      description = "File holding the gateway's access token (role arbiter-gateway); re-read on every call, so it can"
          + " be rotated in place (--role gateway only).")
  Path tokenFile;

  /** True when any gateway option was given. */
  boolean anyGiven() {
    return config != null || engine != null || tokenFile != null;
  }
}
