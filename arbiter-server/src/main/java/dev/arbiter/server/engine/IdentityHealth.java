package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.ledger.event.EventDraft;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the identity provider answers. The first failure records {@code governance.degraded}
 * ({@code component: identity}) on the {@code sys:governance} stream, the first success after it
 * {@code governance.restored}: once per transition, not once per request.
 */
public final class IdentityHealth {
  public static final String STREAM = "sys:governance";
  private static final Logger LOG = LoggerFactory.getLogger(IdentityHealth.class);

  private final DecisionEngine engine;
  private final AtomicBoolean degraded = new AtomicBoolean();

  IdentityHealth(DecisionEngine engine) {
    this.engine = engine;
  }

  public boolean degraded() {
    return degraded.get();
  }

  /** The IdP or its JWKS could not be reached; {@code detail} must not contain a token. */
  public void unavailable(String detail) {
    if (degraded.compareAndSet(false, true)) {
      LOG.warn("identity degraded: {}", detail);
      record("governance.degraded", detail);
    }
  }

  public void available() {
    if (degraded.get() && degraded.compareAndSet(true, false)) {
      LOG.info("identity restored");
      record("governance.restored", "a token verified against the identity provider again");
    }
  }

  private void record(String type, String detail) {
    try {
      engine.appendSystem(new EventDraft(STREAM, type, engine.activePolicy().hash(), DecisionTrail.ENGINE,
          JsonNodeFactory.instance.objectNode().put("component", "identity").put("detail", detail)));
    } catch (EngineException e) {
      LOG.error("{} could not be recorded: {}", type, e.getMessage());
    }
  }
}
