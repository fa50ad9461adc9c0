package dev.arbiter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.EnrolmentStatement;
import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code arbiter keys enrol --engine URL --token T --key FILE.pub [--private-key FILE]} against
 * {@link FakeEngine}, which verifies the proof of possession with the real core verifier.
 */
class KeysEnrolCommandTest {
  private static final String ALICE_TOKEN = "alice.token-" + "A".repeat(40);

  @TempDir Path dir;
  private FakeEngine engine;
  private final List<CliRun> runs = new ArrayList<>();

  @BeforeEach
  void startEngine() {
    engine = new FakeEngine(Clock.systemUTC());
    engine.subjectsByToken.put(ALICE_TOKEN, "alice");
  }

  /** No run ever shows the token or a key's PEM, whatever it did. */
  @AfterEach
  void stopEngineAndCheckNothingLeaked() {
    engine.close();
    for (CliRun r : runs) {
      assertThat(r.out() + r.err()).as(r.toString()).doesNotContain(ALICE_TOKEN).doesNotContain("-----BEGIN");
    }
  }

  /** Writes NAME.key (0600) and NAME.pub into {@code in}, as `keys generate` does. */
  private SigningKey keyPair(Path in, String name, KeyAlgorithm alg) throws Exception {
    SigningKey key = SigningKey.generate(alg, new SecureRandom());
    Files.createDirectories(in);
    Path priv = in.resolve(name + ".key");
    Files.writeString(priv, key.exportPkcs8PemDangerously());
    Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(in.resolve(name + ".pub"), key.verifyingKey().toSpkiPem());
    return key;
  }

  private CliRun enrol(Path pub, String... extra) {
    List<String> args = new ArrayList<>(List.of("keys", "enrol", "--engine", engine.url(), "--token", ALICE_TOKEN,
        "--key", pub.toString()));
    args.addAll(List.of(extra));
    CliRun r = CliRun.of(args.toArray(String[]::new));
    runs.add(r);
    return r;
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void byDefault_thePrivateKeyIsTheSiblingOfThePub_andTheProofIsAccepted(KeyAlgorithm alg) throws Exception {
    SigningKey key = keyPair(dir, "alice", alg);
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("enrolled " + alg.wireName() + " key " + key.keyId().value() + " for subject alice");
    assertThat(engine.requests).containsExactly("POST /v1/keys/challenge", "POST /v1/keys");
  }

  @Test
  void privateKeyOption_isUsed_whenThereIsNoSibling() throws Exception {
    SigningKey key = keyPair(dir.resolve("secret"), "alice", KeyAlgorithm.ED25519);
    Path pub = Files.copy(dir.resolve("secret/alice.pub"), dir.resolve("alice.pub"));
    CliRun r = enrol(pub, "--private-key", dir.resolve("secret/alice.key").toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains(key.keyId().value());
  }

  @Test
  void privateKeyOption_overridesTheSibling() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    // a sibling that is not the pair: only --private-key makes the enrolment succeed
    SigningKey real = keyPair(dir.resolve("real"), "alice", KeyAlgorithm.ECDSA_P256);
    Files.copy(dir.resolve("real/alice.pub"), dir.resolve("alice.pub"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(enrol(dir.resolve("alice.pub")).exitCode()).isEqualTo(2);
    CliRun r = enrol(dir.resolve("alice.pub"), "--private-key", dir.resolve("real/alice.key").toString());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains(real.keyId().value());
  }

  @Test
  void withoutAReadablePrivateKey_exits2_sayingWhyItIsNeeded_andSendsNothing() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    Files.delete(dir.resolve("alice.key"));
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("no private key").contains(dir.resolve("alice.key").toString()).contains("--private-key")
        .contains("proof").contains("never sent");

    CliRun missing = enrol(dir.resolve("alice.pub"), "--private-key", dir.resolve("nowhere.key").toString());
    assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(2);
    assertThat(missing.err()).contains("cannot read --private-key").contains("never sent");
    assertThat(engine.requests).isEmpty();
  }

  @Test
  void aPubFileNotNamedPub_withoutPrivateKeyOption_exits2() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    Path pem = Files.copy(dir.resolve("alice.pub"), dir.resolve("alice.pem"));
    CliRun r = enrol(pem);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("--private-key").contains("never sent");
    assertThat(engine.requests).isEmpty();
  }

  @Test
  void aPrivateKeyThatIsNotThePair_exits2_andSendsNothing() throws Exception {
    SigningKey alice = keyPair(dir, "alice", KeyAlgorithm.ED25519);
    SigningKey other = keyPair(dir, "other", KeyAlgorithm.ED25519);
    CliRun r = enrol(dir.resolve("alice.pub"), "--private-key", dir.resolve("other.key").toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("is not the pair").contains(alice.keyId().value()).contains(other.keyId().value());
    assertThat(engine.requests).isEmpty();
  }

  @Test
  void aPrivateKeyReadableByOthers_exits2() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    Files.setPosixFilePermissions(dir.resolve("alice.key"), PosixFilePermissions.fromString("rw-r--r--"));
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("chmod 600");
    assertThat(engine.requests).isEmpty();
  }

  @Test
  void anEngineSigningInputOtherThanTheStatements_isRefused_exit1_andNothingIsSigned() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    engine.keyChallengeTamper = o -> o.put("signing_input", Base64.getEncoder().encodeToString("arbiter-approval-v1\0{}".getBytes()));
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("signing_input differs").contains("nothing was signed or sent");
    assertThat(engine.requests).containsExactly("POST /v1/keys/challenge");
  }

  @Test
  void anEngineStatementForAnotherKey_isRefused_exit1() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    engine.keyChallengeTamper = o -> consistent(o, st -> new EnrolmentStatement(st.subject(), new KeyId("sha256:" + "0".repeat(64)),
        st.issuedAt()));
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("names key sha256:" + "0".repeat(64));
    assertThat(engine.requests).containsExactly("POST /v1/keys/challenge");
  }

  @Test
  void aProofTheEngineRefuses_exits1_withTheReasonOnStderr() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    // an engine (or whoever answers in its name) naming another subject: signed, shown, refused
    engine.keyChallengeTamper = o -> consistent(o, st -> new EnrolmentStatement("mallory", st.keyId(), st.issuedAt()));
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("for subject mallory");
    assertThat(r.err()).contains("key enrolment refused").contains("key-proof-rejected").contains("reason subject_mismatch");
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(longs = {-10, 30 * 24 * 60})
  void aStatementDatedOutsideTheProofWindow_isNotSigned_exit1(long minutesFromNow) throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    engine.keyChallengeTamper = o -> consistent(o, st -> new EnrolmentStatement(st.subject(), st.keyId(),
        Instant.now().plus(minutesFromNow, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS)));
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("more than 5 minutes from this machine's clock").contains("nothing was signed or sent");
    assertThat(engine.requests).containsExactly("POST /v1/keys/challenge");
  }

  @Test
  void aPrivateKeyBehindASymlink_isJudgedByItsTarget() throws Exception {
    keyPair(dir.resolve("secrets"), "alice", KeyAlgorithm.ED25519);
    Files.createDirectories(dir.resolve("keys"));
    Files.copy(dir.resolve("secrets/alice.pub"), dir.resolve("keys/alice.pub"));
    Files.createSymbolicLink(dir.resolve("keys/alice.key"), dir.resolve("secrets/alice.key"));

    CliRun ok = enrol(dir.resolve("keys/alice.pub"));
    assertThat(ok.exitCode()).as(ok.toString()).isZero();

    Files.setPosixFilePermissions(dir.resolve("secrets/alice.key"), PosixFilePermissions.fromString("rw-r--r--"));
    CliRun exposed = enrol(dir.resolve("keys/alice.pub"));
    assertThat(exposed.exitCode()).as(exposed.toString()).isEqualTo(2);
    assertThat(exposed.err()).contains("chmod 600 " + dir.resolve("secrets/alice.key").toRealPath());
  }

  @Test
  void aKeyEnrolledByAnotherSubject_exits1() throws Exception {
    keyPair(dir, "alice", KeyAlgorithm.ED25519);
    engine.subjectsByToken.put("mallory-token", "mallory");
    assertThat(CliRun.of("keys", "enrol", "--engine", engine.url(), "--token", "mallory-token", "--key",
        dir.resolve("alice.pub").toString()).exitCode()).isZero();
    CliRun r = enrol(dir.resolve("alice.pub"));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("key-already-enrolled");
  }

  /** Replaces the statement and recomputes a signing_input that matches it: a self-consistent engine. */
  private static ObjectNode consistent(ObjectNode issued, java.util.function.UnaryOperator<EnrolmentStatement> change) {
    EnrolmentStatement st = change.apply(EnrolmentStatement.fromJson(issued.get("statement")));
    issued.set("statement", st.toJson());
    return issued.put("signing_input", Base64.getEncoder().encodeToString(st.signingInput()));
  }
}
