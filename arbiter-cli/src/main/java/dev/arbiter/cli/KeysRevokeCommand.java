package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.KeyId;
import dev.arbiter.core.crypto.VerifyingKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code arbiter keys revoke}: revokes one of the caller's own enrolled approver keys ({@code POST
 * /v1/keys/revoke}). The key stops approving at once; {@code key.revoked} is recorded on the ledger.
 * Give the key by its id or by its public key file.
 */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Revoke one of your own enrolled approver keys, e.g. one that may have leaked.",
      "From then on approvals signed with it are refused; the revocation is recorded on the ledger",
      "(key.revoked). Only the subject that enrolled a key may revoke it.",
      "Token: --token-file FILE (preferred), --token T, or env ARBITER_TOKEN.",
    },
    footer = {
      "",
      "Example:",
      "  arbiter keys revoke --engine http://127.0.0.1:8080 --token-file ~/.arbiter/token \\",
      "      --key ~/.arbiter/keys/alice.pub",
      "",
      "Exit codes: 0 revoked (or revoked before); 1 refused (not your key, not enrolled); 2 bad",
      "arguments; 3 the engine is unreachable or unavailable."
    })
public final class KeysRevokeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin EngineOptions engineOptions;

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  static final class Which {
    @Option(names = "--key-id", paramLabel = "ID", description = "The key's id (sha256:…, as `keys generate` and `keys enrol` print it).")
    String keyId;

    @Option(names = "--key", paramLabel = "FILE.pub", description = "The key's public key file.")
    Path keyFile;
  }

  @Override
  public Integer call() {
    KeyId id = keyId();
    EngineClient engine = engineOptions.client(System.getenv());
    JsonNode r = engine.expect(engine.post("/v1/keys/revoke", JsonNodeFactory.instance.objectNode().put("key_id", id.value())),
        "key revocation", 200);
    if (!r.path("key_id").asText("").equals(id.value())) {
      throw CliFailure.verification("the engine reports key id `" + Text.safe(r.path("key_id").asText("")) + "`, not "
          + id.value());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("revoked key " + id.value() + " at " + Text.at(r, "?", "revoked_at"));
    out.flush();
    return ExitCodes.OK;
  }

  private KeyId keyId() {
    if (which.keyId != null) {
      try {
        return new KeyId(which.keyId.strip());
      } catch (IllegalArgumentException e) {
        throw CliFailure.badInput("--key-id `" + Text.safe(which.keyId) + "` is not a key id (sha256: and 64 lowercase hex digits)");
      }
    }
    try {
      return VerifyingKey.load(which.keyFile).keyId();
    } catch (KeyFormatException e) {
      throw CliFailure.badInput("--key " + which.keyFile + " is not a public key (give the .pub file): " + e.getMessage());
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read --key " + which.keyFile + ": " + FileErrors.reason(e));
    }
  }
}
