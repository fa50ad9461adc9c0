package dev.arbiter.core.policy;

import java.util.List;

/** A readable bundle has policy errors; every error found is attached, in file order. */
public final class PolicyCompilationException extends Exception {
  private final List<PolicyDiagnostic> diagnostics;

  public PolicyCompilationException(List<PolicyDiagnostic> diagnostics) {
    super(diagnostics.size() + " policy error(s); first: " + diagnostics.get(0).message());
    this.diagnostics = List.copyOf(diagnostics);
  }

  public List<PolicyDiagnostic> diagnostics() {
    return diagnostics;
  }
}
