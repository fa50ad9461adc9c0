package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.core.approval.EnrolmentProof;
import dev.arbiter.core.approval.EnrolmentStatement;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.crypto.VerifyingKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code arbiter keys enrol}: registers the caller's public key with the engine under the token's
 * subject, with a proof that the caller holds its private key. Two requests: {@code POST
 * /v1/keys/challenge} returns the statement to sign ({@code {subject, key_id, issued_at}}: the CLI
 * learns the subject from the engine, it never parses the token) and its {@code signing_input};
 * the CLI rebuilds {@code arbiter-key-enrol-v1 ‖ 0x00 ‖ canonical statement} itself, refuses (exit
 * 1, nothing signed) an engine whose bytes differ or whose statement names another key, signs, and
 * sends {@code POST /v1/keys {public_key, proof}}. The private key is read only to sign; it is
 * never sent.
 */
@Command(
    name = "enrol",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Enrol your public key with the engine, so that approvals signed with it count as yours.",
      "They count for your token's subject.",
      "The engine requires proof that you hold the private key: the CLI asks it",
      "for a statement (POST /v1/keys/challenge: your subject, the key id, the",
      "engine's time), checks that the bytes to sign are",
      "  arbiter-key-enrol-v1 ‖ 0x00 ‖ the statement's canonical JSON,",
      "signs them locally with the private key and sends the public key with the",
      "proof (POST /v1/keys). The private key is never sent. It is read from",
      "FILE.key next to --key FILE.pub, or from --private-key.",
      "Prints the key id and subject.",
      "Token: --token-file FILE (preferred), --token T, or env ARBITER_TOKEN.",
    },
    footer = {
      "",
      "Example:",
      "  arbiter keys enrol --engine http://127.0.0.1:8080 \\",
      "      --token-file ~/.arbiter/token --key ~/.arbiter/keys/alice.pub",
      "",
      "Exit codes: 0 enrolled (or already enrolled by you); 1 refused (e.g. the",
      "key is enrolled by another subject, or the engine refused the proof: see",
      "its reason); 2 bad arguments, not a public key file, no readable private",
      "key, or a private key that is not the public key's pair; 3 the engine is",
      "unreachable or unavailable."
    })
public final class KeysEnrolCommand implements Callable<Integer> {
  private static final String WHY_PRIVATE =
      "the engine requires proof that you hold the key: keys enrol signs a statement with the private key"
          + " locally, and the private key is never sent";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin EngineOptions engineOptions;

  @Option(names = "--key", required = true, paramLabel = "FILE.pub", description = "Your public key (SPKI PEM, the .pub file of `arbiter keys generate`).")
  Path keyFile;

  @Option(names = "--private-key", paramLabel = "FILE.key",
      description = "Its private key (PKCS#8 PEM, mode 0600), used only to sign the proof of possession locally; "
          + "never sent. Default: FILE.key next to --key FILE.pub.")
  Path privateKeyFile;

  @Override
  public Integer call() {
    VerifyingKey key;
    try {
      key = VerifyingKey.load(keyFile);
    } catch (KeyFormatException e) {
      throw CliFailure.badInput("--key " + keyFile + " is not a public key (give the .pub file): " + e.getMessage());
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read --key " + keyFile + ": " + FileErrors.reason(e));
    }
    SigningKey privateKey = privateKey();
    if (!privateKey.keyId().equals(key.keyId())) {
      throw CliFailure.badInput("the private key " + privateKeyPath() + " (" + privateKey.keyId() + ") is not the pair of --key "
          + keyFile + " (" + key.keyId() + "); nothing was sent");
    }
    EngineClient engine = engineOptions.client(System.getenv());
    ObjectNode asked = JsonNodeFactory.instance.objectNode().put("public_key", key.toSpkiPem());
    EnrolmentStatement statement = checkedStatement(
        engine.expect(engine.post("/v1/keys/challenge", asked), "key enrolment challenge", 201, 200), key);

    PrintWriter err = spec.commandLine().getErr();
    err.println("signing a proof of possession of " + key.keyId() + " for subject " + Text.safe(statement.subject())
        + " (the engine names it from your token)");
    err.flush();
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("public_key", key.toSpkiPem());
    body.set("proof", EnrolmentProof.sign(statement, privateKey).toJson());
    EngineClient.Response response = engine.post("/v1/keys", body);
    JsonNode r = engine.expect(response, "key enrolment", 201, 200);
    String keyId = r.path("key_id").asText("");
    if (!keyId.equals(key.keyId().value())) {
      throw CliFailure.verification("the engine reports key id `" + Text.safe(keyId) + "` but " + keyFile + " is "
          + key.keyId().value());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("enrolled " + key.algorithm().wireName() + " key " + keyId + " for subject " + Text.at(r, "?", "subject")
        + (response.status() == 200 ? " (already enrolled)" : ""));
    out.flush();
    return ExitCodes.OK;
  }

  /** {@code --private-key}, else the sibling {@code NAME.key} of {@code NAME.pub}; exit 2 if there is none. */
  private SigningKey privateKey() {
    Path file = privateKeyPath();
    if (file == null) {
      throw CliFailure.badInput("no private key: --key " + keyFile + " does not end in .pub, so there is no NAME.key"
          + " next to it; give --private-key FILE (" + WHY_PRIVATE + ")");
    }
    String option = privateKeyFile != null ? "--private-key " + file : "the private key " + file + " (next to --key)";
    if (privateKeyFile == null && !Files.isReadable(file)) {
      throw CliFailure.badInput("no private key: cannot read " + file + " next to --key " + keyFile
          + "; give --private-key FILE (" + WHY_PRIVATE + ")");
    }
    return PrivateKeyFile.load(file, option, " (" + WHY_PRIVATE + ")");
  }

  private Path privateKeyPath() {
    if (privateKeyFile != null) {
      return privateKeyFile;
    }
    String name = keyFile.getFileName() == null ? "" : keyFile.getFileName().toString();
    return name.endsWith(".pub") && name.length() > 4 ? keyFile.resolveSibling(name.substring(0, name.length() - 4) + ".key") : null;
  }

  /**
   * The statement as the CLI itself understands it: exactly its fields, this key, and the engine's
   * signing_input equal to the bytes computed here.
   */
  private static EnrolmentStatement checkedStatement(JsonNode issued, VerifyingKey key) {
    EnrolmentStatement statement;
    try {
      statement = EnrolmentStatement.fromJson(issued.get("statement"));
    } catch (IllegalArgumentException e) {
      throw SigningInputCheck.refuse("the engine's enrolment statement is malformed: " + Text.safe(e.getMessage()));
    }
    if (!statement.keyId().equals(key.keyId())) {
      throw SigningInputCheck.refuse("the engine's enrolment statement names key " + statement.keyId() + ", not " + key.keyId());
    }
    SigningInputCheck.requireSame(issued.get("signing_input"), statement.signingInput(), EnrolmentStatement.CONTEXT,
        "its own statement");
    // The proof's bounds (subject, a few minutes) hold only if the signer checks them: an engine, or
    // whoever answers in its name, must not get a proof dated next month to use later.
    java.time.Instant now = java.time.Instant.now();
    if (java.time.Duration.between(statement.issuedAt(), now).abs().compareTo(EnrolmentProof.WINDOW) > 0) {
      throw SigningInputCheck.refuse("the engine's enrolment statement is dated " + statement.issuedAt()
          + ", more than " + EnrolmentProof.WINDOW.toMinutes() + " minutes from this machine's clock (" + now + ")");
    }
    return statement;
  }
}
