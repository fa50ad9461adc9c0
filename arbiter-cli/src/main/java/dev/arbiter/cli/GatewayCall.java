package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One governed call: {@code POST {gateway}/tools/{tool}} with the grant in {@code Arbiter-Grant},
 * the action's target in {@code Arbiter-Target} (the gateway checks it against the grant) and the
 * action's payload as the JSON body. No redirects (a grant goes to the gateway it was meant for and
 * nowhere else), one attempt (a grant is good for one use; a retry of a call that reached the tool
 * would be refused anyway), a bounded answer. The grant is never printed.
 */
final class GatewayCall {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ANSWER_BYTES = 1 << 20;
  private static final String PROBLEMS = "https://arbiter.dev/problems/";
  private static final String MAY_HAVE_RUN =
      "the call may have reached the tool and used the grant: check the decision before asking for a new one";

  private final URI gateway;
  private final Duration deadline;
  private final HttpClient http;

  /** The tool's answer as the gateway passed it on, and the exit code it means for the agent. */
  record Answer(int status, String executionId, String body) {
    int exitCode() {
      if (status >= 200 && status < 300) {
        return ExitCodes.OK;
      }
      return status >= 500 || status == 429 ? ExitCodes.UNAVAILABLE : ExitCodes.VERIFICATION_FAILED;
    }
  }

  GatewayCall(URI gateway) {
    this(gateway, Duration.ofSeconds(60));
  }

  /** @param deadline for the whole exchange, the tool's work and its answer included */
  GatewayCall(URI gateway, Duration deadline) {
    this.gateway = gateway;
    this.deadline = deadline;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /**
   * Executes {@code action} with {@code grant}. A refusal by the gateway itself (no execution id) is a
   * {@link CliFailure}: 403 and 409 exit 1, 5xx exit 3; an answer of the tool is returned, whatever
   * its status (and whatever its size: the tool ran, which is what the exit code must say).
   */
  Answer execute(AgentCommand.Action action, String grant) {
    URI uri = URI.create(gateway.toString().replaceAll("/+$", "") + "/tools/" + action.tool());
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(action.payload());
    } catch (IOException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(uri)
        .timeout(deadline)
        .header("Arbiter-Grant", grant)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, application/problem+json");
    action.targetHeader().ifPresent(value -> req.header("Arbiter-Target", value));
    BoundedExchange.Answer r;
    try {
      r = BoundedExchange.send(http, req.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), deadline, MAX_ANSWER_BYTES);
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw CliFailure.unavailable("the gateway at " + gateway + " is unreachable (" + e.getClass().getSimpleName()
          + "); nothing was sent, the grant is unused", e);
    } catch (TimeoutException | HttpTimeoutException e) {
      throw CliFailure.unavailable("the gateway at " + gateway + " did not answer within " + deadline.toSeconds() + " s; "
          + MAY_HAVE_RUN, e);
    } catch (IOException e) {
      throw CliFailure.unavailable("the gateway at " + gateway + " failed during the call (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + Text.safe(e.getMessage())) + "); " + MAY_HAVE_RUN, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.unavailable("interrupted while waiting for the gateway; the call may have reached the tool", e);
    }
    // Only a forwarded call carries an execution id: without one, the gateway itself answered.
    String executionId = r.headers().firstValue("Arbiter-Execution-Id").orElse(null);
    if (executionId == null) {
      throw refusal(r.status(), new String(r.body(), StandardCharsets.UTF_8));
    }
    String text = r.tooLarge()
        ? "(the tool's answer is larger than " + MAX_ANSWER_BYTES + " bytes; not shown)"
        : Text.safeWhole(new String(r.body(), StandardCharsets.UTF_8));
    return new Answer(r.status(), executionId, text);
  }

  private CliFailure refusal(int status, String text) {
    JsonNode p;
    try {
      p = JSON.readTree(text);
    } catch (IOException e) {
      p = null;
    }
    String slug = Text.field(p, "type").replace(PROBLEMS, "");
    String reason = Text.field(p, "reason");
    String msg = "the gateway refused the call (HTTP " + status + (slug.isEmpty() ? "" : " " + slug) + ")"
        + (reason.isEmpty() ? "" : ": reason " + reason)
        + (Text.field(p, "detail").isEmpty() ? "" : ": " + Text.field(p, "detail"))
        // The gateway forwarded the call and lost the tool's answer: the tool may have acted.
        + (slug.equals("upstream-failed") ? "; " + MAY_HAVE_RUN : "");
    return status >= 500 || status == 429 ? CliFailure.unavailable(msg, null) : CliFailure.verification(msg);
  }
}
