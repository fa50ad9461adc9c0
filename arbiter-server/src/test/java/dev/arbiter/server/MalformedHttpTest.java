package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Requests Jetty refuses before any route runs still get problem+json with a stable type, not
 * Jetty's HTML error page: bad URI escapes, headers over the limit, an unparsable Content-Length.
 */
class MalformedHttpTest extends ServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Raw(int status, String contentType, String body) {}

  @Test
  @Timeout(30)
  void aBadEscapeInThePath_isProblemJson() throws Exception {
    Raw r = send("GET /v1/decisions/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + TestIdentity.token("agent-7") + "\r\nConnection: close\r\n\r\n");
    assertProblem(r, 400, "bad-request");
  }

  @Test
  @Timeout(30)
  void headersOverTheLimit_areProblemJson() throws Exception {
    Raw r = send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + "a".repeat(20_000)
        + "\r\nConnection: close\r\n\r\n");
    assertProblem(r, 431, "headers-too-large");
  }

  @Test
  @Timeout(30)
  void anUnparsableContentLength_isProblemJson() throws Exception {
    Raw r = send("POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}");
    assertProblem(r, 400, "bad-request");
  }

  @Test
  @Timeout(30)
  void aTargetOverTheLimit_isProblemJson() throws Exception {
    Raw r = send("GET /v1/decisions/" + "x".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(r.status()).isIn(414, 431);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(JSON.readTree(r.body()).get("status").asInt()).isEqualTo(r.status());
  }

  @Test
  @Timeout(30)
  void aContentLengthPastTwoGibibytes_isRefusedAtOnce() throws Exception {
    Raw r = send("POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestIdentity.token("agent-7")
        + "\r\nIdempotency-Key: huge-1\r\nContent-Type: application/json\r\nContent-Length: 3000000000\r\n\r\n{}");
    assertProblem(r, 413, "payload-too-large");
  }

  @Test
  @Timeout(30)
  void anUnknownHttpVersion_isTheClientsProblem_notAServerFailure() throws Exception {
    Raw r = send("GET /v1/health HTTP/3.7\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(r.status()).isIn(400, 505);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.get("status").asInt()).as("the body's status is the answer's").isEqualTo(r.status());
    assertThat(p.get("type").asText()).doesNotEndWith("internal-error");
  }

  @Test
  @Timeout(30)
  void twoAuthorizationHeaders_areRefused_whicheverComesFirst() throws Exception {
    for (String[] pair : new String[][] {{TestIdentity.token("agent-7"), "x"}, {"x", TestIdentity.token("agent-7")}}) {
      Raw r = send("GET /v1/decisions?status=pending_authority HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + pair[0]
          + "\r\nAuthorization: Bearer " + pair[1] + "\r\nConnection: close\r\n\r\n");
      assertProblem(r, 401, "unauthenticated");
      assertThat(JSON.readTree(r.body()).get("reason").asText()).isEqualTo("ambiguous");
    }
  }

  /** Black-box run: with two keys the first one counted silently; a retry with the second made a new decision. */
  @Test
  @Timeout(30)
  void twoIdempotencyKeyHeaders_areRefused_andNothingIsDecided() throws Exception {
    String body = DecisionApiTest.READ_DEV;
    long before = t.ledgerSize();
    for (String path : new String[] {"/v1/decisions", "/v1/keys/challenge"}) {
      Raw r = send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestIdentity.token("agent-7")
          + "\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\nContent-Type: application/json\r\nContent-Length: "
          + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body);
      assertProblem(r, 400, "idempotency-key-required");
      assertThat(r.body()).contains("more than one Idempotency-Key header");
    }
    assertThat(t.ledgerSize()).isEqualTo(before);
  }

  private static void assertProblem(Raw r, int status, String slug) throws Exception {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).as(r.body()).startsWith("application/problem+json");
    JsonNode p = JSON.readTree(r.body());
    assertThat(p.get("type").asText()).isEqualTo("https://arbiter.dev/problems/" + slug);
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("detail").asText()).isNotBlank().doesNotContain("<html");
  }

  private Raw send(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", t.server.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      String head = text.substring(0, end);
      int status = Integer.parseInt(head.substring(9, 12));
      String type = head.lines().filter(l -> l.toLowerCase().startsWith("content-type:")).map(l -> l.substring(13).trim())
          .findFirst().orElse("");
      String body = text.substring(end + 4);
      if (head.toLowerCase().contains("transfer-encoding: chunked")) {
        body = dechunk(body);
      }
      return new Raw(status, type, body);
    }
  }

  private static String dechunk(String chunked) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (true) {
      int eol = chunked.indexOf("\r\n", i);
      int n = Integer.parseInt(chunked.substring(i, eol).trim(), 16);
      if (n == 0) {
        return b.toString();
      }
      b.append(chunked, eol + 2, eol + 2 + n);
      i = eol + 2 + n + 2;
    }
  }
}
