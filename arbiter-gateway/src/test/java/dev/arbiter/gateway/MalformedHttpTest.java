package dev.arbiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Jetty refuses before the gateway's handler runs (an Arbiter-Grant header over the header
 * limit, a control character in a header) is still a problem+json refusal, at the gateway and at
 * the sample tool, not Jetty's HTML page.
 */
class MalformedHttpTest {
  @TempDir Path dir;
  GatewayHarness h;

  @BeforeEach
  void start() throws Exception {
    h = new GatewayHarness(dir);
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  @Timeout(30)
  void aGrantHeaderOverTheHeaderLimit_isProblemJson() throws Exception {
    String head = send(h.gateway.port(), "POST /tools/deployer HTTP/1.1\r\nHost: 127.0.0.1\r\nArbiter-Grant: "
        + "a".repeat(20_000) + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    assertProblem(head, 431, "headers-too-large");
    assertThat(GatewayHarness.toolLog(h.deployer)).isEmpty();
  }

  @Test
  @Timeout(30)
  void aControlCharacterInAHeader_isProblemJson() throws Exception {
    String head = send(h.gateway.port(), "POST /tools/deployer HTTP/1.1\r\nHost: 127.0.0.1\r\nArbiter-Grant: a\u0001b"
        + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    assertProblem(head, 400, "bad-request");
  }

  @Test
  @Timeout(30)
  void theSampleTool_answersProblemJsonToo() throws Exception {
    String head = send(h.deployer.port(), "POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nArbiter-Grant: "
        + "a".repeat(40_000) + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    assertProblem(head, 431, "headers-too-large");
  }

  private static void assertProblem(String response, int status, String slug) throws Exception {
    assertThat(response).startsWith("HTTP/1.1 " + status);
    int end = response.indexOf("\r\n\r\n");
    String head = response.substring(0, end).toLowerCase();
    assertThat(head).as(response).contains("content-type: application/problem+json");
    String body = response.substring(end + 4);
    if (head.contains("transfer-encoding: chunked")) {
      body = body.substring(body.indexOf("\r\n") + 2, body.lastIndexOf("}") + 1);
    }
    JsonNode p = GatewayHarness.JSON.readTree(body);
    assertThat(p.get("type").asText()).isEqualTo("https://arbiter.dev/problems/" + slug);
    assertThat(p.get("status").asInt()).isEqualTo(status);
  }

  private static String send(int port, String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      return all.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
