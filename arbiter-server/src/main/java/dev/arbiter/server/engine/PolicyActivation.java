package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.EntryQuery;
import dev.arbiter.ledger.store.LedgerStoreException;
import dev.arbiter.ledger.store.StoredEntry;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * Records {@code policy.activated} on the {@code sys:policy} stream when the engine starts with a
 * bundle other than the last one activated on this ledger (first start, a new bundle, a rollback), and
 * not when it restarts with the same one. Payload: {@code {hash, version, source}} where source is
 * {@code signed} or {@code development}.
 *
 * <p>Refused (issue 3: "a bundle, once used, can never be replaced under the same hash or
 * version"): a bundle whose version was already activated with another hash, and a development
 * bundle on a ledger that has run one signed with an operator's policy key (no silent downgrade).
 */
public final class PolicyActivation {
  public static final String STREAM = "sys:policy";
  public static final String EVENT = "policy.activated";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 1_000;

  private PolicyActivation() {}

  /** Returns true if an activation was recorded, false if this bundle was already the active one. */
  public static boolean recordIfChanged(Ledger ledger, PolicyBundle bundle, boolean signed)
      throws LedgerStoreException, InterruptedException, ExecutionException, Refused {
    Optional<EventDraft> activation = decide(ledger, bundle, signed);
    if (activation.isEmpty()) {
      return false;
    }
    ledger.append(activation.get()).get();
    return true;
  }

  /**
   * Reads the ledger's activations and judges {@code bundle} against them: empty when it is already
   * the active one, else the {@code policy.activated} to append. Read apart from the append, so that
   * the engine's start can judge on the history it verified, while no other writer may change it.
   *
   * @throws Refused when the history does not allow this bundle (a reused version, a development
   *     bundle after signed ones)
   */
  public static Optional<EventDraft> decide(Ledger ledger, PolicyBundle bundle, boolean signed)
      throws LedgerStoreException, Refused {
    History h = history(ledger);
    String used = h.hashByVersion().get(bundle.version());
    if (used != null && !used.equals(bundle.hash())) {
      throw new Refused("policy version `" + bundle.version() + "` was already activated on this ledger as " + used
          + "; this bundle (" + bundle.hash() + ") must carry a new version");
    }
    if (!signed && h.anySigned()) {
      throw new Refused("this ledger has run bundles signed with an operator's policy key; refusing to activate a development bundle");
    }
    if (h.last().filter(bundle.hash()::equals).isPresent()) {
      return Optional.empty();
    }
    ObjectNode payload = JsonNodeFactory.instance.objectNode()
        .put("hash", bundle.hash()).put("version", bundle.version()).put("source", signed ? "signed" : "development");
    return Optional.of(new EventDraft(STREAM, EVENT, bundle.hash(), new Actor("arbiter", "engine"), payload));
  }

  /** A bundle this ledger's history does not allow to be activated. */
  public static final class Refused extends Exception {
    public Refused(String message) {
      super(message);
    }
  }

  private record History(Optional<String> last, java.util.Map<String, String> hashByVersion, boolean anySigned) {}

  private static History history(Ledger ledger) throws LedgerStoreException {
    Optional<String> last = Optional.empty();
    java.util.Map<String, String> byVersion = new java.util.HashMap<>();
    boolean anySigned = false;
    long from = 0;
    while (true) {
      List<StoredEntry> page = ledger.store().query(new EntryQuery(STREAM, EVENT, from, PAGE));
      for (StoredEntry e : page) {
        try {
          JsonNode payload = JSON.readTree(e.envelope()).path("payload");
          JsonNode hash = payload.path("hash");
          if (hash.isTextual()) {
            last = Optional.of(hash.asText());
            byVersion.putIfAbsent(payload.path("version").asText(), hash.asText());
          }
          anySigned |= "signed".equals(payload.path("source").asText());
        } catch (IOException ex) {
          throw new IllegalStateException("leaf " + e.leafIndex() + ": unreadable envelope", ex);
        }
      }
      if (page.size() < PAGE) {
        return new History(last, byVersion, anySigned);
      }
      from = page.get(page.size() - 1).leafIndex() + 1;
    }
  }

  static Optional<String> lastActivatedHash(Ledger ledger) throws LedgerStoreException {
    return history(ledger).last();
  }
}
