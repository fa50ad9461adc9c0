package dev.arbiter.bench;

import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequests;
import dev.arbiter.core.decision.Evaluation;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * In-process evaluation of the example bundle ({@code examples/policy}: 28 gates, 14 risk factors):
 * normalised request → risk → gates → authority routing → {@link Evaluation}. Targets (issue 3):
 * p50 ≤ 20 µs, ≥ 50,000 decisions/s per core.
 *
 * <p>Run from the repository root: {@code java -jar arbiter-bench/target/benchmarks.jar
 * PolicyEvalBench -f 1 -wi 2 -i 3 -w 2s -r 2s}. Override the bundle with {@code
 * -Darbiter.bundle=DIR} (passed to the fork with {@code -jvmArgsAppend}).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PolicyEvalBench {
  /** Which request: the low-risk auto-allow path, a pending production deploy, a large transfer. */
  @Param({"read_dev_allow", "deploy_prod_pending", "transfer_prod_large"})
  public String request;

  private PolicyBundle bundle;
  private DecisionRequest decisionRequest;
  private byte[] requestJson;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path dir = Path.of(System.getProperty("arbiter.bundle", "examples/policy"));
    if (!Files.isDirectory(dir)) {
      dir = Path.of("../examples/policy");
    }
    bundle = PolicyBundles.loadDirectory(dir);
    String json =
        switch (request) {
          case "read_dev_allow" ->
              "{\"action\":{\"class\":\"read\",\"tool\":\"x\",\"intent\":\"smoke\",\"target\":{\"type\":\"service\",\"id\":\"s1\"},\"payload\":{}},"
                  + "\"context\":{\"actor\":{\"id\":\"agent_smoke\"},\"environment\":\"dev\"}}";
          case "deploy_prod_pending" ->
              "{\"action\":{\"class\":\"deploy\",\"tool\":\"deployer\",\"intent\":\"release\",\"target\":{\"type\":\"service\",\"id\":\"checkout\"},"
                  + "\"payload\":{\"image\":\"registry.internal/checkout:1.42.0\",\"change_ticket\":\"CHG-2291\"}},"
                  + "\"context\":{\"actor\":{\"id\":\"ci_pipeline\"},\"environment\":\"production\",\"reversible\":true,\"blast_radius\":40}}";
          case "transfer_prod_large" ->
              "{\"action\":{\"class\":\"transfer\",\"tool\":\"treasury\",\"intent\":\"vendor payout\",\"target\":{\"type\":\"account\",\"id\":\"vendor_acme\"},"
                  + "\"payload\":{\"amount\":48000,\"currency\":\"USD\"}},"
                  + "\"context\":{\"actor\":{\"id\":\"agent_ap\"},\"environment\":\"production\"}}";
          default -> throw new IllegalArgumentException(request);
        };
    requestJson = json.getBytes(StandardCharsets.UTF_8);
    decisionRequest = DecisionRequests.parse(requestJson);
  }

  /** Evaluation alone: what the engine does per decision once the request is normalised. */
  @Benchmark
  public Evaluation evaluate() {
    return bundle.evaluate(decisionRequest);
  }

  /** Strict parsing and normalisation of the request bytes, then evaluation. */
  @Benchmark
  public Evaluation parseAndEvaluate() throws Exception {
    return bundle.evaluate(DecisionRequests.parse(requestJson));
  }
}
