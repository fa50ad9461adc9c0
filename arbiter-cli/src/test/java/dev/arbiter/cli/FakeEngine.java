package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.Challenge;
import dev.arbiter.core.approval.EnrolmentProof;
import dev.arbiter.core.approval.EnrolmentProofException;
import dev.arbiter.core.approval.EnrolmentStatement;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SignatureVerificationException;
import dev.arbiter.core.crypto.VerifyingKey;
import dev.arbiter.core.id.Ulid;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A test double of the engine's approval endpoints (docs/api-approvals-grants.md), faithful where
 * the CLI's correctness depends on it: challenges are real {@link Challenge}s, submitted signatures
 * are really verified with the enrolled {@link VerifyingKey} over {@code challenge.signingInput()},
 * enrolments need a real proof of possession ({@link EnrolmentProof#verify}),
 * and refusals are problem+json with the contract's reason codes, checked in the contract's order.
 * Bearer tokens are opaque strings mapped to subjects (token verification is not what is tested).
 */
final class FakeEngine implements AutoCloseable {
  static final String POLICY_HASH = "sha256:" + "ab".repeat(32);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROBLEMS = "https://arbiter.dev/problems/";

  /** A decision as the fake keeps it. */
  static final class Decision {
    final String id = "dec_" + Ulid.system().next();
    final String proposer;
    final int minSignatures;
    String status = "pending_authority";
    final List<ObjectNode> approvals = new ArrayList<>();
    String policyHash = POLICY_HASH;

    Decision(String proposer, int minSignatures) {
      this.proposer = proposer;
      this.minSignatures = minSignatures;
    }

    synchronized ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("decision_id", id);
      o.put("status", status);
      o.put("outcome", status.equals("authorized") ? "allow" : status.equals("denied") ? "deny" : "pending_authority");
      o.putObject("risk").put("score", 0.62).put("band", "high");
      ObjectNode a = o.putObject("authority");
      a.put("route", "prod-deploy").put("min_signatures", minSignatures).put("distinct", true);
      a.putArray("levels").add("L2").add("L3");
      a.putArray("roles");
      a.putArray("co_sign");
      o.putObject("policy").put("hash", policyHash).put("version", "2026.1");
      o.put("expires_at", "2030-01-01T00:00:00Z");
      ObjectNode action = o.putObject("action");
      action.put("class", "deploy").put("tool", "k8s-deploy").put("intent", "roll out checkout v2");
      action.putObject("target").put("type", "service").put("id", "checkout");
      action.putObject("payload").put("image", "registry.internal/checkout:2.0.0").put("replicas", 3);
      o.putObject("context").put("environment", "production");
      o.put("proposer", proposer);
      var recorded = o.putArray("approvals");
      approvals.forEach(recorded::add);
      return o;
    }
  }

  private record Enrolled(String subject, VerifyingKey key) {}

  private record Issued(Challenge challenge, String subject) {}

  final Map<String, String> subjectsByToken = new ConcurrentHashMap<>();
  final Map<String, Decision> decisions = new LinkedHashMap<>();
  private final Map<String, Enrolled> keys = new ConcurrentHashMap<>();
  private final Map<String, Issued> issued = new ConcurrentHashMap<>();
  private final Set<String> usedNonces = ConcurrentHashMap.newKeySet();
  /** Every approval or rejection submission received, as {@code METHOD path}. */
  final List<String> submissions = new CopyOnWriteArrayList<>();
  /** Every request received, as {@code METHOD path}. */
  final List<String> requests = new CopyOnWriteArrayList<>();
  /** Applied to each challenge response before it is sent: a malicious engine. */
  volatile UnaryOperator<ObjectNode> tamper = UnaryOperator.identity();
  /** Applied to each key enrolment challenge before it is sent: a malicious engine. */
  volatile UnaryOperator<ObjectNode> keyChallengeTamper = UnaryOperator.identity();
  /** Answers every request 503 identity-unavailable when set. */
  volatile boolean unavailable;

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Javalin app;

  FakeEngine(Clock clock) {
    this.clock = clock;
    app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.startupWatcherEnabled = false;
    });
    app.before(ctx -> requests.add(ctx.method() + " " + ctx.path()));
    app.post("/v1/keys", ctx -> authed(ctx, this::enrol));
    app.post("/v1/keys/challenge", ctx -> authed(ctx, this::keyChallenge));
    app.post("/v1/decisions/{id}/challenge", ctx -> authed(ctx, this::challenge));
    app.post("/v1/decisions/{id}/approvals", ctx -> authed(ctx, (c, s) -> sign(c, s, Challenge.APPROVE)));
    app.post("/v1/decisions/{id}/rejections", ctx -> authed(ctx, (c, s) -> sign(c, s, Challenge.REJECT)));
    app.get("/v1/decisions", ctx -> authed(ctx, this::list));
    app.start("127.0.0.1", 0);
  }

  String url() {
    return "http://127.0.0.1:" + app.port();
  }

  synchronized Decision pending(String proposer, int minSignatures) {
    Decision d = new Decision(proposer, minSignatures);
    decisions.put(d.id, d);
    return d;
  }

  synchronized Decision decision(String id) {
    return decisions.get(id);
  }

  @Override
  public void close() {
    app.stop();
  }

  private interface Handler {
    void handle(Context ctx, String subject) throws Exception;
  }

  private void authed(Context ctx, Handler h) throws Exception {
    if (unavailable) {
      ctx.header("Retry-After", "5");
      problem(ctx, 503, "identity-unavailable", "the identity provider's JWKS is unreachable", Map.of());
      return;
    }
    String auth = ctx.header("Authorization");
    String subject = auth != null && auth.startsWith("Bearer ") ? subjectsByToken.get(auth.substring(7)) : null;
    if (subject == null) {
      problem(ctx, 401, "unauthenticated", "token not accepted", Map.of("reason", "bad_signature"));
      return;
    }
    if (ctx.method().name().equals("POST") && ctx.header("Idempotency-Key") == null) {
      problem(ctx, 400, "idempotency-key-required", "Idempotency-Key header required", Map.of());
      return;
    }
    h.handle(ctx, subject);
  }

  private VerifyingKey publicKey(Context ctx) throws Exception {
    try {
      return VerifyingKey.fromPem(JSON.readTree(ctx.body()).path("public_key").asText());
    } catch (KeyFormatException e) {
      problem(ctx, 400, "invalid-request", "public_key: " + e.getMessage(), Map.of());
      return null;
    }
  }

  /** The enrolment statement, as the engine issues it: the caller, the key, the time. */
  private void keyChallenge(Context ctx, String subject) throws Exception {
    VerifyingKey key = publicKey(ctx);
    if (key == null) {
      return;
    }
    EnrolmentStatement st = new EnrolmentStatement(subject, key.keyId(), clock.instant().truncatedTo(ChronoUnit.SECONDS));
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("statement", st.toJson());
    o.put("signing_input", Base64.getEncoder().encodeToString(st.signingInput()));
    json(ctx, 201, keyChallengeTamper.apply(o));
  }

  private void enrol(Context ctx, String subject) throws Exception {
    VerifyingKey key = publicKey(ctx);
    if (key == null) {
      return;
    }
    try {
      EnrolmentProof.fromJson(JSON.readTree(ctx.body()).get("proof")).verify(key, subject, clock.instant());
    } catch (EnrolmentProofException e) {
      problem(ctx, 400, "key-proof-rejected", e.getMessage(), Map.of("reason", e.reason().wireName()));
      return;
    }
    Enrolled prior = keys.putIfAbsent(key.keyId().value(), new Enrolled(subject, key));
    if (prior != null && !prior.subject().equals(subject)) {
      problem(ctx, 409, "key-already-enrolled", "enrolled by another subject", Map.of());
      return;
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("key_id", key.keyId().value()).put("subject", subject).put("algorithm", key.algorithm().wireName())
        .put("enrolled_at", clock.instant().toString());
    json(ctx, prior == null ? 201 : 200, o);
  }

  private void challenge(Context ctx, String subject) throws Exception {
    Decision d = decision(ctx.pathParam("id"));
    if (d == null) {
      problem(ctx, 404, "decision-not-found", "no decision " + ctx.pathParam("id"), Map.of());
      return;
    }
    String intent = ctx.body().isBlank() ? Challenge.APPROVE : JSON.readTree(ctx.body()).path("intent").asText(Challenge.APPROVE);
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    Challenge c = new Challenge(d.id, intent, clock.instant(), Base64.getUrlEncoder().withoutPadding().encodeToString(nonce),
        300, d.policyHash);
    issued.put(c.nonce(), new Issued(c, subject));
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("challenge", c.toJson());
    o.put("signing_input", Base64.getEncoder().encodeToString(c.signingInput()));
    o.set("decision", d.toJson());
    json(ctx, 201, tamper.apply(o));
  }

  private void sign(Context ctx, String subject, String endpointIntent) throws Exception {
    submissions.add(ctx.method() + " " + ctx.path());
    Decision d = decision(ctx.pathParam("id"));
    if (d == null) {
      problem(ctx, 404, "decision-not-found", "no decision " + ctx.pathParam("id"), Map.of());
      return;
    }
    JsonNode body = JSON.readTree(ctx.body());
    Challenge submitted;
    byte[] signature;
    try {
      submitted = Challenge.fromJson(body.get("challenge"));
      signature = decode(body.path("signature").asText(""));
    } catch (IllegalArgumentException e) {
      problem(ctx, 400, "invalid-request", e.getMessage(), Map.of());
      return;
    }
    Enrolled key = keys.get(body.path("key_id").asText(""));
    if (key == null) {
      refuse(ctx, d, "key_not_enrolled");
      return;
    }
    if (!key.subject().equals(subject)) {
      refuse(ctx, d, "key_not_owned");
      return;
    }
    try {
      key.key().verify(submitted.signingInput(), signature);
    } catch (SignatureVerificationException e) {
      refuse(ctx, d, "bad_signature");
      return;
    }
    Issued i = issued.get(submitted.nonce());
    if (i == null || !i.challenge().equals(submitted) || !i.subject().equals(subject) || !submitted.decisionId().equals(d.id)
        || !submitted.intent().equals(endpointIntent)) {
      refuse(ctx, d, "unknown_challenge");
      return;
    }
    if (usedNonces.contains(submitted.nonce())) {
      refuse(ctx, d, "nonce_used");
      return;
    }
    if (!clock.instant().isBefore(submitted.expiresAt())) {
      refuse(ctx, d, "challenge_expired");
      return;
    }
    synchronized (d) {
      if (!d.status.equals("pending_authority")) {
        problem(ctx, 409, "approval-rejected", "decision is " + d.status,
            Map.of("reason", "decision_not_pending", "decision_status", d.status, "decision_id", d.id));
        return;
      }
      if (!submitted.policyHash().equals(d.policyHash)) {
        refuse(ctx, d, "policy_changed");
        return;
      }
      if (subject.equals(d.proposer)) {
        refuse(ctx, d, "self_approval");
        return;
      }
      if (d.approvals.stream().anyMatch(a -> a.get("actor").asText().equals(subject))) {
        refuse(ctx, d, "already_signed");
        return;
      }
      if (body.path("rationale").asText("").isBlank()) {
        refuse(ctx, d, "rationale_required");
        return;
      }
      usedNonces.add(submitted.nonce());
      if (endpointIntent.equals(Challenge.REJECT)) {
        d.status = "denied";
      } else {
        d.approvals.add(JsonNodeFactory.instance.objectNode().put("actor", subject).put("key_id", key.key().keyId().value())
            .put("rationale", body.path("rationale").asText()));
        if (d.approvals.size() >= d.minSignatures) {
          d.status = "authorized";
        }
      }
    }
    json(ctx, 200, d.toJson());
  }

  private void list(Context ctx, String subject) {
    if (!"pending_authority".equals(ctx.queryParam("status"))) {
      problem(ctx, 400, "invalid-request", "status must be pending_authority", Map.of());
      return;
    }
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    var arr = o.putArray("decisions");
    synchronized (this) {
      decisions.values().stream().filter(d -> d.status.equals("pending_authority")).forEach(d -> arr.add(d.toJson()));
    }
    json(ctx, 200, o);
  }

  private static byte[] decode(String b64) {
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      return Base64.getUrlDecoder().decode(b64);
    }
  }

  private static void refuse(Context ctx, Decision d, String reason) {
    problem(ctx, 403, "approval-rejected", "approval refused: " + reason, Map.of("reason", reason, "decision_id", d.id));
  }

  private static void problem(Context ctx, int status, String slug, String detail, Map<String, String> extra) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("type", PROBLEMS + slug).put("title", slug).put("status", status).put("detail", detail);
    extra.forEach(o::put);
    ctx.status(status).contentType("application/problem+json").result(o.toString());
  }

  private static void json(Context ctx, int status, JsonNode body) {
    ctx.status(status).contentType("application/json").result(body.toString());
  }
}
