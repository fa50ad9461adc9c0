package dev.arbiter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** The listener Javalin creates gets the accept queue, not the JDK's 50 (a burst of connects then waits 1 s). */
class AcceptQueueTest {
  @Test
  void theConnectorJavalinCreates_listensWithTheLargerQueue() {
    Javalin app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
      AcceptQueue.apply(cfg);
    });
    try {
      app.start("127.0.0.1", 0);
      Connector[] connectors = app.jettyServer().server().getConnectors();
      assertThat(connectors).isNotEmpty().allSatisfy(c ->
          assertThat(((ServerConnector) c).getAcceptQueueSize()).isEqualTo(AcceptQueue.SIZE));
    } finally {
      app.stop();
    }
  }
}
