package dev.arbiter.core.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.core.decision.DecisionRequest;
import dev.arbiter.core.decision.DecisionRequestJson;
import dev.arbiter.core.decision.DecisionRequests;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SecretScannerTest {
  private static DecisionRequest request(String payloadJson, String intent) throws Exception {
    String json = "{\"action\":{\"class\":\"deploy\",\"tool\":\"deployer\",\"intent\":\"" + intent + "\","
        + "\"target\":{\"type\":\"service\",\"id\":\"checkout\"},\"payload\":" + payloadJson + "},"
        + "\"context\":{\"actor\":{\"id\":\"ci\"},\"environment\":\"production\"}}";
    return DecisionRequests.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "github_token|{\"note\":\"use ghp_0123456789abcdefghijABCDEFGHIJ012345 please\"}|action.payload.note",
      "aws_access_key_id|{\"env\":{\"KEY\":\"AKIAIOSFODNN7EXAMPLE\"}}|action.payload.env.KEY",
      "private_key|{\"files\":[\"x\",\"-----BEGIN PRIVATE KEY-----\\nMIIE\"]}|action.payload.files[1]",
      "slack_token|{\"hook\":\"xoxb-123456789012-abcdefghij\"}|action.payload.hook",
      "stripe_secret_key|{\"k\":\"sk_live_abcdefghijklmnop1234\"}|action.payload.k",
      "jwt|{\"auth\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\"}|action.payload.auth",
      "credential_field|{\"db\":{\"password\":\"hunter2\"}}|action.payload.db.password",
      "credential_field|{\"API-KEY\":\"abc\"}|action.payload.API-KEY",
      "credential_field|{\"dbPassword\":\"hunter2\"}|action.payload.dbPassword",
      "credential_field|{\"WEBHOOK_SECRET\":\"abc\"}|action.payload.WEBHOOK_SECRET",
      "credential_field|{\"github-api-key\":\"abc\"}|action.payload.github-api-key",
      "url_credentials|{\"db\":\"postgres://orders:hunter2hunter2@db.internal:5432/orders\"}|action.payload.db",
      "connection_string_password|{\"conn\":\"Server=db;Database=orders;User Id=app;Password=hunter2;\"}|action.payload.conn",
      "connection_string_password|{\"blob\":\"DefaultEndpointsProtocol=https;AccountName=x;AccountKey=YWJjZGVmZ2hpamtsbW5vcA==\"}|action.payload.blob",
      "gitlab_token|{\"t\":\"glpat-abcdefghij0123456789\"}|action.payload.t",
      "npm_token|{\"t\":\"npm_abcdefghijklmnopqrstuvwxyz0123456789\"}|action.payload.t",
      "sk_api_key|{\"llm\":\"sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD\"}|action.payload.llm",
      "slack_webhook|{\"notify\":\"https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnop\"}|action.payload.notify",
      "connection_string_password|{\"jdbc\":\"jdbc:mysql://db/orders?user=app&password=hunter2\"}|action.payload.jdbc",
      "connection_string_password|{\"args\":\"migrate --password=hunter2 --yes\"}|action.payload.args",
      "credential_field|{\"db_password\":\"[redacted:]hunter2\"}|action.payload.db_password",
  })
  void scan_findsTheSecret_andSaysWhereButNotWhat(String detector, String payload, String path) throws Exception {
    DecisionRequest r = request(payload, "release");
    List<SecretFinding> found = SecretScanner.scan(r);
    assertThat(found).containsExactly(new SecretFinding(path, detector));

    DecisionRequest redacted = SecretScanner.redact(r, found);
    String recorded = DecisionRequestJson.toJson(redacted).toString();
    assertThat(recorded).contains("[redacted:" + detector + "]");
    assertThat(SecretScanner.scan(redacted)).as("nothing left to find").isEmpty();
    assertThat(redacted.action().actionClass()).isEqualTo("deploy");
  }

  @Test
  void scan_looksAtTheIntentToo() throws Exception {
    DecisionRequest r = request("{}", "deploy with token ghp_0123456789abcdefghijABCDEFGHIJ012345");
    assertThat(SecretScanner.scan(r)).containsExactly(new SecretFinding("action.intent", "github_token"));
    assertThat(SecretScanner.redact(r, SecretScanner.scan(r)).action().intent()).isEqualTo("[redacted:github_token]");
  }

  @Test
  void scan_leavesOrdinaryPayloadsAlone() throws Exception {
    DecisionRequest r = request("{\"image\":\"registry.internal/checkout:1.42.0\",\"change_ticket\":\"CHG-2291\","
        + "\"token_count\":12,\"password_policy\":\"strict\",\"password\":\"\",\"amount\":1500,"
        + "\"repo\":\"https://github.com/acme/checkout.git\",\"db\":\"postgres://db.internal:5432/orders\","
        + "\"db_template\":\"postgres://orders:${DB_PASSWORD}@db.internal/orders\",\"next_page_token\":\"c2VjcmV0LWN1cnNvcg\","
        + "\"sku\":\"sk-small-blue-widget-variant-extra-long-x\",\"conn\":\"Server=db;Database=orders;Password=<from vault>;\","
        + "\"env\":\"HOME=/root PWD=/workspace\",\"cfg\":\"{\\\"endpoint\\\":\\\"https://api.acme.io:8443\\\",\\\"owner\\\":\\\"ops@acme.io\\\"}\","
        + "\"hook\":\"http://localhost:3000?notify=ops@acme.io\",\"cache\":\"redis://cache:6379,alerts=ops@acme.io\","
        + "\"tpl\":\"mysql://app:PASSWORD@db/x\",\"q\":\"Password='${X}'\",\"image_pull_secret\":\"regcred\","
        + "\"tls_secret\":\"checkout-tls\",\"db_password\":\"${DB_PASSWORD}\",\"api_key\":\"{{ vault.api_key }}\",\"flags\":\"--reset-password=true --verbose\"}",
        "release checkout 1.42.0");
    assertThat(SecretScanner.scan(r)).isEmpty();
    assertThat(SecretScanner.redact(r, List.of())).isSameAs(r);
  }
  /** A secret used as a payload key is redacted with its value, found by position, and never overwrites another entry. */
  @Test
  void aSecretKey_isRedactedWithItsValue_withoutOverwritingAnEntryNamedLikeItsPlaceholder() throws Exception {
    String token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    DecisionRequest r = request("{\"" + token + "\": 1, \"[redacted:github_token]\": \"literal\", "
        + "\"[redacted:github_token]#0\": 2, \"ok\": {\"" + token + "\": 3}}", "x");

    List<SecretFinding> findings = SecretScanner.scan(r);
    assertThat(findings).extracting(SecretFinding::path).containsExactly("action.payload{key 0}", "action.payload.ok{key 0}");
    assertThat(findings.toString()).doesNotContain(token);

    Map<String, Object> payload = SecretScanner.redact(r, findings).action().payload();
    assertThat(payload).hasSize(4).doesNotContainKey(token);
    assertThat(payload.get("[redacted:github_token]")).isEqualTo("literal");
    assertThat(payload.get("[redacted:github_token]#0")).isEqualTo(2L);
    assertThat(payload.values()).contains("[redacted:github_token]");
    assertThat(payload.get("ok").toString()).doesNotContain(token);
  }
}
