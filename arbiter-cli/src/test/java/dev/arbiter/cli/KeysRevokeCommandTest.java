package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code arbiter keys revoke} against a real engine (the quickstart as a process): a revoked key approves nothing. */
class KeysRevokeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static QuickstartProcess quickstart;
  private static JsonNode qs;

  @BeforeAll
  static void startQuickstart() throws Exception {
    quickstart = QuickstartProcess.start(dir);
    qs = quickstart.json;
  }

  @AfterAll
  static void stopQuickstart() throws Exception {
    if (quickstart != null) {
      quickstart.close();
    }
  }

  @Test
  void aRevokedKeyApprovesNothing_andOnlyItsOwnerMayRevokeIt() throws Exception {
    String engine = qs.get("engine_url").asText();
    JsonNode approver3 = qs.get("identities").get("approver3");
    String keyId = keyIdOf(approver3);

    CliRun notTheirs = CliRun.of("keys", "revoke", "--engine", engine, "--token-file",
        qs.get("identities").get("approver1").get("token_file").asText(), "--key-id", keyId);
    assertThat(notTheirs.exitCode()).as(notTheirs.toString()).isEqualTo(1);
    assertThat(notTheirs.err()).contains("key-not-owned");

    CliRun revoked = CliRun.of("keys", "revoke", "--engine", engine, "--token-file", approver3.get("token_file").asText(),
        "--key", approver3.get("public_key").asText());
    assertThat(revoked.exitCode()).as(revoked.toString()).isZero();
    assertThat(revoked.out()).contains("revoked key " + keyId);
    CliRun again = CliRun.of("keys", "revoke", "--engine", engine, "--token-file", approver3.get("token_file").asText(),
        "--key-id", keyId);
    assertThat(again.exitCode()).as("revoked before: %s", again).isZero();

    HttpResponse<String> submitted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(engine + "/v1/decisions"))
        .header("Authorization", "Bearer " + qs.get("identities").get("agent").get("token").asText())
        .header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
        .POST(HttpRequest.BodyPublishers.ofString(qs.get("examples").get("two_approvals").toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    String id = JSON.readTree(submitted.body()).get("decision_id").asText();
    CliRun approve = CliRun.of("approve", "--engine", engine, "--token-file", approver3.get("token_file").asText(),
        "--decision", id, "--key", approver3.get("key").asText(), "--rationale", "after revocation", "--yes");
    assertThat(approve.exitCode()).as(approve.toString()).isEqualTo(1);
    assertThat(approve.err()).contains("key_revoked");

    CliRun badId = CliRun.of("keys", "revoke", "--engine", engine, "--token-file", approver3.get("token_file").asText(),
        "--key-id", "not-a-key-id");
    assertThat(badId.exitCode()).isEqualTo(2);
    CliRun both = CliRun.of("keys", "revoke", "--engine", engine, "--token-file", approver3.get("token_file").asText(),
        "--key-id", keyId, "--key", approver3.get("public_key").asText());
    assertThat(both.exitCode()).as("one of --key-id and --key").isEqualTo(2);
  }

  private static String keyIdOf(JsonNode identity) throws Exception {
    return dev.arbiter.core.crypto.VerifyingKey.load(Path.of(identity.get("public_key").asText())).keyId().value();
  }
}
