package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code arbiter quickstart} as a real foreground process: ready file, the two examples, clean stop, a ledger that verifies. */
class QuickstartCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void quickstart_writesItsFile_answersBothExamples_stopsOnSigterm() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path qs = dir.resolve("qs");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "dev.arbiter.cli.Arbiter", "quickstart", "--dir", qs.toString(), "--port-base", Integer.toString(port),
        "--bundle", "../examples/policy", "--examples", "../examples/requests")
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    JsonNode file = null;
    try {
      Path ready = qs.resolve("quickstart.json");
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < deadline && p.isAlive(); ) {
        if (Files.exists(ready)) {
          file = JSON.readTree(ready.toFile());
          break;
        }
        Thread.sleep(50);
      }
      assertThat(file).as("quickstart did not become ready:\n%s", Files.readString(err)).isNotNull();
      assertThat(file.get("engine_url").asText()).isEqualTo("http://127.0.0.1:" + port);
      assertThat(Path.of(file.get("ledger_db").asText())).exists();
      assertThat(Path.of(file.get("ledger_public_key").asText())).exists();

      HttpClient client = HttpClient.newHttpClient();
      JsonNode allowed = post(client, file, "auto_allow", "qs-1");
      assertThat(allowed.get("outcome").asText()).isEqualTo("allow");
      JsonNode pending = post(client, file, "two_approvals", "qs-2");
      assertThat(pending.get("outcome").asText()).isEqualTo("pending_authority");
      assertThat(pending.get("authority").get("min_signatures").asInt()).isEqualTo(2);
      assertThat(pending.get("authority").get("distinct").asBoolean()).isTrue();
    } finally {
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("quickstart did not stop on SIGTERM").isTrue();
    }
    assertThat(Files.readString(out)).contains("Arbiter quickstart is running").contains("ledger verify");
    assertThat(Files.readString(err)).contains("closing the ledger");
    CliRun verify = CliRun.of("ledger", "verify", "--db", file.get("ledger_db").asText(), "--key", file.get("ledger_public_key").asText());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
  }

  @Test
  void quickstart_withoutItsExamples_exitsTwo() {
    CliRun r = CliRun.of("quickstart", "--dir", dir.resolve("qs").toString(), "--examples", dir.resolve("none").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--examples");
  }

  private static JsonNode post(HttpClient client, JsonNode file, String example, String key) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(file.get("engine_url").asText() + "/v1/decisions"))
        .header("Idempotency-Key", key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(file.get("examples").get(example).toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body());
  }
}
