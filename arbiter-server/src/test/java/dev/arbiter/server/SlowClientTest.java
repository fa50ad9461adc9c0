package dev.arbiter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client that sends its request body a byte at a time cannot hold the engine's request for as long as it likes. */
class SlowClientTest extends ServerTest {
  @Test
  @Timeout(60)
  void aDribbledBody_isCutOff_andNothingIsDecided() throws Exception {
    long before = t.ledgerSize();
    byte[] body = DecisionApiTest.READ_DEV.replace("agent_smoke", "agent-7").getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket("127.0.0.1", t.server.port())) {
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestIdentity.token("agent-7")
          + "\r\nIdempotency-Key: slow-1\r\nContent-Type: application/json\r\nContent-Length: " + body.length
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String answer = null;
      // a byte a second: without a minimum data rate each read is within the idle timeout, and the
      // request would be held for body.length seconds (~200) and then decided
      for (int i = 0; i < body.length - 1 && answer == null; i++) {
        try {
          out.write(body[i]);
          out.flush();
          answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        } catch (java.net.SocketTimeoutException e) {
          // nothing yet: one more byte after a second
        } catch (java.io.IOException e) {
          answer = "closed";
        }
      }
      assertThat(answer).as("the engine still waited for the body after %d s", body.length).isNotNull();
      assertThat(answer).isIn("HTTP/1.1 408", "closed");
    }
    assertThat(t.ledgerSize()).as("nothing decided, nothing recorded").isEqualTo(before);
  }
}
