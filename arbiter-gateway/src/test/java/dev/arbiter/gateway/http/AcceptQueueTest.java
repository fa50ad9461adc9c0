package dev.arbiter.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** The gateway's and the sample tool's listeners get the accept queue, beside the gateway's own connector listener. */
class AcceptQueueTest {
  @Test
  void theConnectorJavalinCreates_listensWithTheLargerQueue_besideAnotherServerModifier() {
    boolean[] otherModifierRan = new boolean[1];
    Javalin app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      HttpProblems.acceptQueue(cfg);
      cfg.jetty.modifyServer(server -> otherModifierRan[0] = true); // as GatewayServer adds its own
    });
    try {
      app.start("127.0.0.1", 0);
      assertThat(app.jettyServer().server().getConnectors()).isNotEmpty().allSatisfy(c ->
          assertThat(((ServerConnector) c).getAcceptQueueSize()).isEqualTo(HttpProblems.ACCEPT_QUEUE));
      assertThat(otherModifierRan[0]).isTrue();
    } finally {
      app.stop();
    }
  }
}
