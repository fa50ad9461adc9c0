package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.arbiter.gateway.execution.EngineExecutionRecorder;
import dev.arbiter.gateway.execution.EngineUnreachableException;
import dev.arbiter.gateway.execution.ExecutionRecorder;
import dev.arbiter.gateway.execution.GrantAlreadyUsedException;
import dev.arbiter.gateway.execution.GrantRefusedException;
import dev.arbiter.gateway.execution.RecorderException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link EngineExecutionRecorder} against a real HTTP endpoint standing in for the engine's {@code /v1/executions}. */
class EngineExecutionRecorderTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String GRANT = "eyJhbGciOiJFZERTQSJ9.e30.c2ln";

  record Seen(String authorization, String idempotencyKey, String contentType, JsonNode body) {}

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final CountDownLatch release = new CountDownLatch(1);
  volatile Consumer<Context> answer;
  Javalin engine;
  EngineExecutionRecorder recorder;

  @BeforeEach
  void start() {
    engine = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
    });
    engine.post("/v1/executions", ctx -> {
      seen.add(new Seen(ctx.header("Authorization"), ctx.header("Idempotency-Key"), ctx.header("Content-Type"),
          JSON.readTree(ctx.bodyAsBytes())));
      answer.accept(ctx);
    });
    engine.start("127.0.0.1", 0);
    recorder = new EngineExecutionRecorder(URI.create("http://127.0.0.1:" + engine.port() + "/"), () -> "tok-123",
        Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    release.countDown();
    recorder.close();
    engine.stop();
  }

  static void reply(Context ctx, int status, String json, String contentType) {
    ctx.status(status).contentType(contentType).result(json);
  }

  @Test
  void started_postsGrantAndPhase_withBearerAndFreshIdempotencyKeys() throws Exception {
    answer = ctx -> reply(ctx, 201, "{\"execution_id\":\"exe_1\",\"receipt\":{}}", "application/json");

    assertThat(recorder.started(GRANT, "att-1").executionId()).isEqualTo("exe_1");
    assertThat(recorder.started(GRANT, "att-1").executionId()).isEqualTo("exe_1");

    assertThat(seen).hasSize(2);
    Seen s = seen.get(0);
    assertThat(s.authorization()).isEqualTo("Bearer tok-123");
    assertThat(s.contentType()).startsWith("application/json");
    assertThat(s.body()).isEqualTo(JSON.readTree("{\"grant\":\"" + GRANT + "\",\"phase\":\"started\",\"attempt\":\"att-1\"}"));
    assertThat(s.idempotencyKey()).isNotBlank();
    assertThat(seen.get(1).idempotencyKey()).isNotEqualTo(s.idempotencyKey());
  }

  @Test
  void finished_postsTheOutcome() throws Exception {
    answer = ctx -> reply(ctx, 200, "{}", "application/json");

    recorder.finished(GRANT, "exe_1", true, 200, 42, "sha256:" + "00".repeat(32), null);
    recorder.finished(GRANT, "exe_2", false, 500, 7, "sha256:" + "11".repeat(32), ExecutionRecorder.UPSTREAM_STATUS);

    JsonNode confirmed = seen.get(0).body();
    Set<String> fields = new TreeSet<>();
    confirmed.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactlyInAnyOrder("grant", "phase", "execution_id", "upstream_status", "duration_ms", "response_hash");
    assertThat(confirmed.path("phase").asText()).isEqualTo("confirmed");
    assertThat(confirmed.path("execution_id").asText()).isEqualTo("exe_1");
    assertThat(confirmed.path("upstream_status").asInt()).isEqualTo(200);
    assertThat(confirmed.path("duration_ms").asLong()).isEqualTo(42);
    assertThat(seen.get(0).idempotencyKey()).isEqualTo("exe_1:confirmed");
    assertThat(seen.get(0).authorization()).isEqualTo("Bearer tok-123");
    assertThat(seen.get(1).body().path("phase").asText()).isEqualTo("failed");
    assertThat(seen.get(1).body().path("upstream_status").asInt()).isEqualTo(500);
    assertThat(seen.get(1).body().path("reason").asText()).isEqualTo("upstream_status");
  }

  @Test
  void started_when409GrantAlreadyUsed_throwsGrantAlreadyUsed() {
    answer = ctx -> reply(ctx, 409, "{\"type\":\"https://arbiter.dev/problems/grant-already-used\",\"status\":409}",
        "application/problem+json");

    assertThatThrownBy(() -> recorder.started(GRANT, "att-1")).isInstanceOf(GrantAlreadyUsedException.class);
  }

  @Test
  void started_whenAnyOtherRefusal_throwsRecorderException() {
    for (Map.Entry<Integer, String> e : Map.of(
        409, "{\"type\":\"https://arbiter.dev/problems/idempotency-conflict\"}",
        503, "{\"type\":\"https://arbiter.dev/problems/governance-degraded\"}",
        401, "{\"type\":\"https://arbiter.dev/problems/unauthenticated\"}",
        200, "{\"execution_id\":\"exe_1\"}").entrySet()) {
      answer = ctx -> reply(ctx, e.getKey(), e.getValue(), "application/json");
      assertThatThrownBy(() -> recorder.started(GRANT, "att-1")).as("HTTP %s", e.getKey()).isInstanceOf(RecorderException.class)
          .isNotInstanceOf(GrantAlreadyUsedException.class);
    }
  }

  @Test
  void started_when201WithoutExecutionId_orNotJson_throwsRecorderException() {
    answer = ctx -> reply(ctx, 201, "{\"receipt\":{}}", "application/json");
    assertThatThrownBy(() -> recorder.started(GRANT, "att-1")).isInstanceOf(RecorderException.class);
    answer = ctx -> reply(ctx, 201, "<html>ok</html>", "text/html");
    assertThatThrownBy(() -> recorder.started(GRANT, "att-1")).isInstanceOf(RecorderException.class);
  }

  /** A redirect would carry the grant and the gateway's token to an address nobody configured. */
  @Test
  void aRedirectFromTheEngine_isNotFollowed_andFailsClosed() {
    answer = ctx -> ctx.status(307).header("Location", "/v1/executions-elsewhere").result("");

    assertThatThrownBy(() -> recorder.started(GRANT, "att-1")).isInstanceOf(RecorderException.class).hasMessageContaining("HTTP 307");
    assertThat(seen).hasSize(1);
  }

  /** The engine's 401 (a rotated or wrong gateway token) carries no challenge header; it is reported as what it is. */
  @Test
  void started_whenTheEngineSays401_reportsTheStatus() {
    answer = ctx -> reply(ctx, 401, "{\"type\":\"https://arbiter.dev/problems/unauthenticated\",\"status\":401}",
        "application/problem+json");

    assertThatThrownBy(() -> recorder.started(GRANT, "att-1")).isInstanceOf(RecorderException.class)
        .hasMessageContaining("HTTP 401").hasMessageContaining("unauthenticated");
  }

  /** A give-up: phase "abandoned" with the grant; an outage is worth retrying, a definite refusal is not. */
  @Test
  void abandoned_postsThePhase_retriesOnlyOnAnOutage() throws Exception {
    answer = ctx -> reply(ctx, 200, "{\"status\":\"authorized\",\"closed_execution_id\":null}", "application/json");
    recorder.abandoned(GRANT, "att-1");
    assertThat(seen.get(0).body().path("phase").asText()).isEqualTo("abandoned");
    assertThat(seen.get(0).body().path("grant").asText()).isEqualTo(GRANT);
    assertThat(seen.get(0).body().path("attempt").asText()).isEqualTo("att-1");

    for (int passing : new int[] {503, 500, 401, 408, 429}) {
      answer = ctx -> reply(ctx, passing, "{\"type\":\"https://arbiter.dev/problems/x\"}", "application/problem+json");
      assertThatThrownBy(() -> recorder.abandoned(GRANT, "att-1")).as("HTTP %d", passing)
          .isInstanceOf(RecorderException.class).isNotInstanceOf(GrantRefusedException.class);
    }
    answer = ctx -> reply(ctx, 403, "{\"type\":\"https://arbiter.dev/problems/forbidden\"}", "application/problem+json");
    assertThatThrownBy(() -> recorder.abandoned(GRANT, "att-1")).as("a token without the gateway role: an operator fixes it")
        .isInstanceOf(RecorderException.class).isNotInstanceOf(GrantRefusedException.class);
    for (int definite : new int[] {403, 409, 400}) {
      answer = ctx -> reply(ctx, definite, "{\"type\":\"https://arbiter.dev/problems/execution-not-started\"}",
          "application/problem+json");
      assertThatThrownBy(() -> recorder.abandoned(GRANT, "att-1")).as("HTTP %d", definite)
          .isInstanceOf(GrantRefusedException.class);
    }
  }

  @Test
  void finished_whenNot200_throwsRecorderException() {
    answer = ctx -> reply(ctx, 500, "{}", "application/json");
    assertThatThrownBy(() -> recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null)).isInstanceOf(RecorderException.class)
        .isNotInstanceOf(GrantRefusedException.class);
  }

  /**
   * An outcome is sent again until the engine takes it (ReportSender): an outage is worth another try,
   * a definite refusal is not, and an outcome the engine already holds (its first answer was lost, or
   * the engine restarted and forgot the idempotency key) is taken.
   */
  @Test
  void finished_retriesOnlyOnAnOutage_andAnOutcomeAlreadyRecordedIsTaken() throws Exception {
    for (int passing : new int[] {503, 500, 401, 408, 429}) {
      answer = ctx -> reply(ctx, passing, "{\"type\":\"https://arbiter.dev/problems/x\"}", "application/problem+json");
      assertThatThrownBy(() -> recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null)).as("HTTP %d", passing)
          .isInstanceOf(RecorderException.class).isNotInstanceOf(GrantRefusedException.class);
    }
    for (int definite : new int[] {403, 409, 400}) {
      answer = ctx -> reply(ctx, definite, "{\"type\":\"https://arbiter.dev/problems/execution-not-started\"}",
          "application/problem+json");
      assertThatThrownBy(() -> recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null)).as("HTTP %d", definite)
          .isInstanceOf(GrantRefusedException.class);
    }
    // Not the engine's refusal of this report: a proxy's answer during a deploy, a request still in flight.
    answer = ctx -> reply(ctx, 404, "<html>not found</html>", "text/html");
    assertThatThrownBy(() -> recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null)).as("a proxy's 404")
        .isInstanceOf(RecorderException.class).isNotInstanceOf(GrantRefusedException.class);
    answer = ctx -> reply(ctx, 409, "{\"type\":\"https://arbiter.dev/problems/idempotency-in-progress\"}",
        "application/problem+json");
    assertThatThrownBy(() -> recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null)).as("in progress")
        .isInstanceOf(RecorderException.class).isNotInstanceOf(GrantRefusedException.class);
    // A gateway whose token now names another subject: an operator's fix away from delivering it.
    answer = ctx -> reply(ctx, 409, "{\"type\":\"https://arbiter.dev/problems/execution-not-the-starter\"}",
        "application/problem+json");
    assertThatThrownBy(() -> recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null)).as("not the starter")
        .isInstanceOf(RecorderException.class).isNotInstanceOf(GrantRefusedException.class);
    answer = ctx -> reply(ctx, 409, "{\"type\":\"https://arbiter.dev/problems/execution-outcome-conflict\"}",
        "application/problem+json");
    assertThatThrownBy(() -> recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null)).as("another outcome")
        .isInstanceOf(GrantRefusedException.class);
    answer = ctx -> reply(ctx, 409, "{\"type\":\"https://arbiter.dev/problems/execution-finished\"}", "application/problem+json");
    recorder.finished(GRANT, "exe_1", true, 200, 1, "sha256:x", null); // no exception: the ledger holds it
    assertThat(seen.get(seen.size() - 1).idempotencyKey()).as("the same key for every try of one outcome")
        .isEqualTo(seen.get(0).idempotencyKey()).isEqualTo("exe_1:confirmed");
  }

  @Test
  void started_whenEngineUnreachable_throwsRecorderException() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (EngineExecutionRecorder nowhere = new EngineExecutionRecorder(URI.create("http://127.0.0.1:" + closedPort),
        () -> "tok", Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> nowhere.started(GRANT, "att-1")).isInstanceOf(EngineUnreachableException.class)
          .hasMessageContaining("refused the connection");
    }
  }

  @Test
  void started_whenEngineDoesNotAnswerInTime_throwsRecorderException() {
    answer = ctx -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      reply(ctx, 201, "{\"execution_id\":\"exe_late\"}", "application/json");
    };
    try (EngineExecutionRecorder impatient = new EngineExecutionRecorder(URI.create("http://127.0.0.1:" + engine.port()),
        () -> "tok", Duration.ofMillis(300))) {
      assertThatThrownBy(() -> impatient.started(GRANT, "att-1")).isInstanceOf(RecorderException.class)
          .hasMessageContaining("did not answer within");
    }
  }

  /** Pooled connections close after a few idle seconds; a slow answer is bound by the recorder's timeout only. */
  @Test
  void started_whenTheEngineIsSlowerThanTheIdleTimeoutBetweenCalls_butWithinTheTimeout_succeeds() throws Exception {
    answer = ctx -> {
      try {
        Thread.sleep(dev.arbiter.gateway.http.StrictHttpClient.IDLE_BETWEEN_CALLS_MILLIS + 1_500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      reply(ctx, 201, "{\"execution_id\":\"exe_slow\"}", "application/json");
    };
    try (EngineExecutionRecorder patient = new EngineExecutionRecorder(URI.create("http://127.0.0.1:" + engine.port()),
        () -> "tok", Duration.ofSeconds(30))) {
      assertThat(patient.started(GRANT, "att-1").executionId()).isEqualTo("exe_slow");
    }
  }

  @Test
  void started_whenNoToken_throwsWithoutCallingTheEngine() {
    try (EngineExecutionRecorder tokenless = new EngineExecutionRecorder(URI.create("http://127.0.0.1:" + engine.port()),
        () -> null, Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> tokenless.started(GRANT, "att-1")).isInstanceOf(RecorderException.class);
      assertThat(seen).isEmpty();
    }
  }
}
