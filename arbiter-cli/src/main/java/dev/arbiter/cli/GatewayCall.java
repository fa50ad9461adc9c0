package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

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
  private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21-\\x7e]{1,256}");
  private static final String PROBLEMS = "https://arbiter.dev/problems/";

  private final URI gateway;
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
    this.gateway = gateway;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /**
   * Executes {@code action} with {@code grant}. A refusal by the gateway itself (no execution id) is a
   * {@link CliFailure}: 403 and 409 exit 1, 5xx exit 3; an answer of the tool is returned, whatever
   * its status.
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
        .timeout(Duration.ofSeconds(60))
        .header("Arbiter-Grant", grant)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, application/problem+json");
    action.targetHeader().forEach((name, value) -> {
      if (HEADER_SAFE.matcher(value).matches()) {
        req.header(name, value);
      }
    });
    HttpResponse<InputStream> r;
    try {
      r = http.send(req.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw CliFailure.unavailable("the gateway at " + gateway + " did not answer in time; the grant may be used:"
          + " check the decision before asking for a new one", e);
    } catch (IOException e) {
      throw CliFailure.unavailable("the gateway at " + gateway + " is unreachable (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + Text.safe(e.getMessage())) + ")", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.unavailable("interrupted while waiting for the gateway", e);
    }
    String text;
    try (InputStream in = r.body()) {
      byte[] bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
      if (bytes.length > MAX_ANSWER_BYTES) {
        throw CliFailure.unavailable("the gateway's answer is larger than " + MAX_ANSWER_BYTES + " bytes; not shown", null);
      }
      text = new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw CliFailure.unavailable("the gateway's answer could not be read (" + e.getClass().getSimpleName() + ")", e);
    }
    // Only a forwarded call carries an execution id: without one, the gateway itself answered.
    String executionId = r.headers().firstValue("Arbiter-Execution-Id").orElse(null);
    if (executionId == null) {
      throw refusal(r.statusCode(), text);
    }
    return new Answer(r.statusCode(), executionId, Text.safeWhole(text));
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
        + (Text.field(p, "detail").isEmpty() ? "" : ": " + Text.field(p, "detail"));
    return status >= 500 || status == 429 ? CliFailure.unavailable(msg, null) : CliFailure.verification(msg);
  }
}
