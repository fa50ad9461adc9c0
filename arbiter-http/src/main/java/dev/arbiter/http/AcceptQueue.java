package dev.arbiter.http;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.Container;

/**
 * How many connections the kernel holds for a listener before the server accepts them. Left unset,
 * Jetty binds with the JDK's default of 50: when more clients than that connect at once (a
 * connection pool opening or reconnecting after an idle timeout, a load test starting), the kernel
 * drops the extra SYNs and each of those clients waits for its retransmission, one second, before
 * its first request is even sent (seen as 1 s stalls and connections reset at 2,500 decisions/s;
 * BENCHMARKS.md, eleventh session). The kernel caps it at {@code net.core.somaxconn}.
 */
public final class AcceptQueue {
  /** The listen backlog every Arbiter listener asks for. */
  public static final int SIZE = 1024;

  private AcceptQueue() {}

  /** Sets {@link #SIZE} on every connector the server gets (before it opens). */
  public static void apply(JavalinConfig cfg) {
    cfg.jetty.modifyServer(server -> server.addEventListener(new Container.Listener() {
      @Override
      public void beanAdded(Container parent, Object child) {
        if (child instanceof ServerConnector c) {
          c.setAcceptQueueSize(SIZE);
        }
      }

      @Override
      public void beanRemoved(Container parent, Object child) {}
    }));
  }
}
