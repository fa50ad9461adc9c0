package dev.arbiter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.arbiter.core.crypto.KeyFormatException;
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
 * {@code arbiter keys enrol}: registers the caller's public key with the engine ({@code POST
 * /v1/keys}) under the token's subject. Only the public key is read and sent.
 */
@Command(
    name = "enrol",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Enrol your public key with the engine (POST /v1/keys), so that approvals",
      "signed with the matching private key count as yours (your token's subject).",
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
      "key is enrolled by another subject); 2 bad arguments or not a public key",
      "file; 3 the engine is unreachable or unavailable."
    })
public final class KeysEnrolCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin EngineOptions engineOptions;

  @Option(names = "--key", required = true, paramLabel = "FILE.pub", description = "Your public key (SPKI PEM, the .pub file of `arbiter keys generate`).")
  Path keyFile;

  @Override
  public Integer call() {
    VerifyingKey key;
    try {
      key = VerifyingKey.load(keyFile);
    } catch (KeyFormatException e) {
      throw CliFailure.badInput("--key " + keyFile + " is not a public key (give the .pub file): " + e.getMessage());
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read --key " + keyFile + ": " + e.getClass().getSimpleName());
    }
    EngineClient engine = engineOptions.client(System.getenv());
    EngineClient.Response response =
        engine.post("/v1/keys", JsonNodeFactory.instance.objectNode().put("public_key", key.toSpkiPem()));
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
}
