package dev.arbiter.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.decision.Target;
import dev.arbiter.core.grant.Grant;
import dev.arbiter.core.grant.GrantCodec;
import dev.arbiter.core.id.Ulid;
import dev.arbiter.ledger.AppendedEvent;
import dev.arbiter.ledger.Ledger;
import dev.arbiter.ledger.LedgerOptions;
import dev.arbiter.ledger.event.Actor;
import dev.arbiter.ledger.event.EventDraft;
import dev.arbiter.ledger.store.sqlite.SqliteLedgerStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The real pieces a governed call needs, for tests: an engine key, a real ledger (SQLite) with its
 * key, a gateway key, and grants minted the way the engine mints them (an event appended to the
 * ledger, its receipt inside the grant, the grant signed with the engine key).
 */
final class GovernedWorld implements AutoCloseable {
  static final SecureRandom RANDOM = new SecureRandom();

  final SigningKey engineKey = newKey();
  final SigningKey ledgerKey = newKey();
  final SigningKey gatewayKey = newKey();
  final Ledger ledger;
  final Path dir;

  GovernedWorld(Path dir) throws Exception {
    this.dir = dir;
    this.ledger = Ledger.open(SqliteLedgerStore.open(dir.resolve("ledger.db"), SqliteLedgerStore.Mode.CREATE_IF_MISSING),
        ledgerKey, Clock.systemUTC(), LedgerOptions.defaults());
    // Some history, so receipts carry real inclusion proofs.
    for (int i = 0; i < 5; i++) {
      ledger.append(new EventDraft("dec_" + Ulid.system().next(), "decision.created", "sha256:policy",
          new Actor("agent_" + i, "proposer"), JsonNodeFactory.instance.objectNode().put("n", i))).join();
    }
  }

  static SigningKey newKey() {
    return SigningKey.generate(KeyAlgorithm.ED25519, RANDOM);
  }

  static ObjectNode payload(String service, String version) {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("service", service);
    p.put("version", version);
    p.putArray("regions").add("eu-west-1").add("us-east-1");
    return p;
  }

  /** A grant as the engine would issue it: ledgered authorisation, receipt inside, engine-signed. */
  MintedGrant mint(String tool, String actionClass, JsonNode payload) {
    return mint(tool, actionClass, new Target("service", "payments-api"), payload, Instant.now().minusSeconds(5),
        Instant.now().plus(Duration.ofMinutes(5)), engineKey);
  }

  MintedGrant mint(String tool, String actionClass, Target target, JsonNode payload, Instant notBefore,
      Instant expiresAt, SigningKey signer) {
    Grant g = grant(tool, actionClass, target, payload, notBefore, expiresAt);
    return new MintedGrant(g, GrantCodec.sign(g, signer));
  }

  Grant grant(String tool, String actionClass, Target target, JsonNode payload, Instant notBefore, Instant expiresAt) {
    return grant(tool, actionClass, target, "production", payload, notBefore, expiresAt);
  }

  /** A grant for a decision made for {@code environment}. */
  MintedGrant mintFor(String environment, String tool, String actionClass, JsonNode payload) {
    Grant g = grant(tool, actionClass, new Target("service", "payments-api"), environment, payload,
        Instant.now().minusSeconds(5), Instant.now().plus(Duration.ofMinutes(5)));
    return new MintedGrant(g, GrantCodec.sign(g, engineKey));
  }

  Grant grant(String tool, String actionClass, Target target, String environment, JsonNode payload, Instant notBefore,
      Instant expiresAt) {
    String decisionId = "dec_" + Ulid.system().next();
    AppendedEvent authorised = ledger.append(new EventDraft(decisionId, "decision.evaluated", "sha256:policy",
        new Actor("arbiter", "system"), JsonNodeFactory.instance.objectNode().put("status", "authorized"))).join();
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    return new Grant("gnt_" + Ulid.system().next(), decisionId, actionClass, tool, target, environment, Grant.payloadHash(payload),
        "sha256:" + "ab".repeat(32), authorised.receipt().toJson(), notBefore, expiresAt,
        Base64.getUrlEncoder().withoutPadding().encodeToString(nonce));
  }

  /** A signed grant and its claims. */
  record MintedGrant(Grant grant, String compact) {
    String grantId() {
      return grant.grantId();
    }
  }

  @Override
  public void close() {
    ledger.close();
  }
}
