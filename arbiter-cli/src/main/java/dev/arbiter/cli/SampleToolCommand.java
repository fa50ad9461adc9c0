package dev.arbiter.cli;

import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.gateway.ToolRoute;
import dev.arbiter.gateway.sample.SampleTool;
import dev.arbiter.gateway.verify.GrantVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code arbiter sample-tool}: runs {@link SampleTool}, a governed tool that executes nothing but a
 * line in its execution log, behind {@link GrantVerifier} pinned to the given engine, ledger and
 * gateway public keys. Foreground until SIGTERM/SIGINT.
 */
@Command(
    name = "sample-tool",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Run the sample governed tool, which refuses every call that did not come through the gateway.",
    description = {
      "Run the sample governed tool: POST /execute is accepted only when it came through the gateway",
      "(a gateway proof signed by --gateway-key) with a valid grant (signed by --engine-key, its ledger",
      "receipt signed by --ledger-key) for exactly this tool and body; each grant executes once, as one",
      "line in the --log file. Anything else is refused 403 ungoverned-call (or 409 grant-already-used).",
    },
    footer = {
      "",
      "Example:",
      "  arbiter sample-tool --name deployer --port 9001 --log data/deployer.jsonl \\",
      "      --engine-key data/keys/engine.pub --ledger-key data/keys/ledger.pub \\",
      "      --gateway-key keys/gateway.pub",
      "",
      "Exit codes: 2 bad arguments or key files, 3 cannot listen or open the log."
    })
public final class SampleToolCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--name", defaultValue = "deployer", paramLabel = "NAME",
      description = "The tool's registered name; grants for other tools are refused (default deployer).")
  String name;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default 127.0.0.1).")
  String host;

  @Option(names = "--port", required = true, description = "Port (0 picks a free one).")
  int port;

  @Option(names = "--log", required = true, paramLabel = "FILE",
      description = "Execution log (JSON lines, created if missing; grant ids already in it are refused).")
  Path log;

  @Option(names = "--engine-key", required = true, paramLabel = "PUB", description = "Engine public key(s) that sign grants.")
  List<Path> engineKeys;

  @Option(names = "--ledger-key", required = true, paramLabel = "PUB", description = "The ledger's public key (receipts).")
  Path ledgerKey;

  @Option(names = "--gateway-key", required = true, paramLabel = "PUB", description = "Gateway public key(s) that sign proofs.")
  List<Path> gatewayKeys;

  @Option(names = "--skew-seconds", defaultValue = "30", paramLabel = "S",
      description = "Tolerated clock difference for grant validity, 0 to 300 (default 30).")
  long skewSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    if (!ToolRoute.NAME.matcher(name).matches()) {
      throw CliFailure.badInput("--name `" + Text.safe(name) + "` must match " + ToolRoute.NAME);
    }
    if (port < 0 || port > 65535) {
      throw CliFailure.badInput("--port must be 0..65535, got " + port);
    }
    if (skewSeconds < 0 || skewSeconds > 300) {
      throw CliFailure.badInput("--skew-seconds must be 0..300, got " + skewSeconds);
    }
    GrantVerifier verifier;
    try {
      verifier = new GrantVerifier(load(engineKeys, "--engine-key"), load(List.of(ledgerKey), "--ledger-key").get(0),
          load(gatewayKeys, "--gateway-key"), name, Clock.systemUTC(), Duration.ofSeconds(skewSeconds));
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput(e.getMessage());
    }
    SampleTool tool;
    try {
      tool = SampleTool.start(host, port, verifier, name, log, Clock.systemUTC());
    } catch (IOException e) {
      throw CliFailure.unavailable("cannot open the execution log " + log + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw CliFailure.unavailable("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      err.println("arbiter: stopping (signal received); closing the sample tool");
      err.flush();
      try {
        tool.close();
      } finally {
        stopped.countDown();
      }
    }, "arbiter-sample-tool-shutdown"));
    err.println("arbiter: sample tool " + name + " listening on http://" + host + ":" + tool.port());
    err.println("arbiter: executes on POST " + SampleTool.PATH + ", logging to " + tool.executionLog().toAbsolutePath());
    err.flush();
    stopped.await();
    return ExitCodes.OK;
  }

  private static List<VerifyingKey> load(List<Path> files, String option) {
    List<VerifyingKey> keys = new ArrayList<>();
    for (Path p : files) {
      try {
        keys.add(VerifyingKey.load(p));
      } catch (IOException e) {
        throw CliFailure.badInput(option + " " + p + ": cannot read it: " + FileErrors.reason(e));
      } catch (KeyFormatException e) {
        throw CliFailure.badInput(option + " " + p + ": not a public key: " + e.getMessage());
      }
    }
    return keys;
  }
}
