package dev.arbiter.core.policy;

import java.nio.file.Path;

/** Entry points for loading policy bundles. */
public final class PolicyBundles {
  /** The largest policy file read (a bundle's file, a cases file; a signed bundle may be four times this). */
  public static final int MAX_FILE_BYTES = 16 * 1024 * 1024;

  private PolicyBundles() {}

  /**
   * Reads and compiles an unsigned bundle directory (or single-file bundle), for authoring tools ({@code policy check},
   * {@code policy test}, {@code decide}). The engine must use {@code loadSigned}.
   *
   * @throws BundleReadException the directory or a file cannot be read, or YAML is malformed
   * @throws PolicyCompilationException the bundle has policy errors (all of them attached)
   */
  public static PolicyBundle loadDirectory(Path dir) throws BundleReadException, PolicyCompilationException {
    return compile(BundleSource.read(dir));
  }

  /**
   * Verifies and compiles a signed bundle file: the only way the engine loads policy. Never falls
   * back: any failure is an exception. Format and checks: {@link SignedBundles}.
   */
  public static PolicyBundle loadSigned(Path file, java.util.Set<dev.arbiter.core.crypto.VerifyingKey> trustedPolicyKeys)
      throws BundleVerificationException, BundleReadException, PolicyCompilationException {
    return SignedBundles.load(file, trustedPolicyKeys);
  }

  /** Compiles bundle source texts (already read, e.g. from a verified signed bundle). */
  public static PolicyBundle compile(BundleSource source) throws BundleReadException, PolicyCompilationException {
    return new BundleCompiler().compile(source);
  }
}
