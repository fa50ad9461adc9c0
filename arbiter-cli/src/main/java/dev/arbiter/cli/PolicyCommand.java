package dev.arbiter.cli;

import dev.arbiter.core.policy.BundleReadException;
import dev.arbiter.core.policy.CaseResult;
import dev.arbiter.core.policy.PolicyBundle;
import dev.arbiter.core.policy.PolicyBundles;
import dev.arbiter.core.policy.PolicyCase;
import dev.arbiter.core.policy.PolicyCases;
import dev.arbiter.core.policy.PolicyCompilationException;
import dev.arbiter.core.policy.PolicyDiagnostic;
import dev.arbiter.core.crypto.KeyFormatException;
import dev.arbiter.core.crypto.SigningKey;
import dev.arbiter.core.policy.SignedBundles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code arbiter policy check|test|build}: authoring tools for policy bundles (docs/policy.md). */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check, test and build policy bundles.",
    subcommands = {PolicyCommand.Check.class, PolicyCommand.Test.class, PolicyCommand.Build.class})
public final class PolicyCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: try `arbiter policy check --help`");
  }

  /** Loads a bundle directory, printing every diagnostic to {@code err} and mapping failures to exit codes. */
  static PolicyBundle load(Path dir, PrintWriter err) {
    try {
      return PolicyBundles.loadDirectory(dir);
    } catch (BundleReadException e) {
      throw CliFailure.badInput(e.getMessage());
    } catch (PolicyCompilationException e) {
      for (PolicyDiagnostic d : e.diagnostics()) {
        err.print(d.render());
        err.println();
      }
      err.flush();
      throw CliFailure.verification(
          dir + ": " + e.diagnostics().size() + " policy error" + (e.diagnostics().size() == 1 ? "" : "s"));
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Compile and type-check every expression of a bundle directory.",
        "Exit 0 clean, 1 policy errors, 2 unreadable or malformed input."
      })
  static final class Check implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "bundle directory")
    Path dir;

    @Override
    public Integer call() {
      PolicyBundle bundle = load(dir, spec.commandLine().getErr());
      PrintWriter out = spec.commandLine().getOut();
      out.println("ok: " + bundle.summary());
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "test",
      mixinStandardHelpOptions = true,
      description = {
        "Run table-driven cases against a bundle directory.",
        "Exit 0 all pass, 1 a case failed or the bundle has errors, 2 bad input."
      })
  static final class Test implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "bundle directory")
    Path dir;

    @Option(names = "--cases", required = true, paramLabel = "FILE", description = "cases YAML")
    Path cases;

    @Override
    public Integer call() {
      PolicyBundle bundle = load(dir, spec.commandLine().getErr());
      List<PolicyCase> all;
      try {
        all = PolicyCases.read(cases);
      } catch (BundleReadException e) {
        throw CliFailure.badInput(e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      int failed = 0;
      for (PolicyCase c : all) {
        CaseResult r = PolicyCases.run(bundle, c);
        if (r.passed()) {
          out.println("PASS  " + c.name());
        } else {
          failed++;
          out.println("FAIL  " + c.name());
          out.print(r.diff());
        }
      }
      out.println();
      out.println((all.size() - failed) + " passed, " + failed + " failed (" + bundle.ref().hash() + ")");
      out.flush();
      if (failed > 0) {
        throw CliFailure.verification(failed + " of " + all.size() + " policy cases failed");
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "build",
      mixinStandardHelpOptions = true,
      description = {
        "Check a bundle directory, then write it as a content-addressed bundle signed with a policy key",
        "(format: docs/policy.md \"Signed bundles\"). Exit 1 policy errors, 2 bad input."
      })
  static final class Build implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "bundle directory")
    Path dir;

    @Option(names = "--sign", required = true, paramLabel = "KEY", description = "Ed25519 policy signing key (PKCS#8 PEM)")
    Path key;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "signed bundle to write")
    Path out;

    @Override
    public Integer call() {
      PolicyBundle bundle = load(dir, spec.commandLine().getErr());
      SigningKey signingKey;
      try {
        signingKey = SigningKey.load(key);
      } catch (KeyFormatException e) {
        throw CliFailure.badInput("`" + key + "` is not a usable signing key: " + e.getMessage());
      } catch (IOException e) {
        throw CliFailure.badInput("cannot read signing key `" + key + "`: " + FileErrors.reason(e));
      }
      byte[] signed;
      try {
        signed = SignedBundles.sign(bundle, signingKey);
      } catch (IllegalArgumentException e) {
        throw CliFailure.badInput(e.getMessage());
      }
      OutputFile.write(out, signed, "--out");
      PrintWriter w = spec.commandLine().getOut();
      w.println("built " + bundle.hash() + " (version " + bundle.version() + "), signed by " + signingKey.keyId() + " -> " + out);
      w.flush();
      return ExitCodes.OK;
    }
  }
}
