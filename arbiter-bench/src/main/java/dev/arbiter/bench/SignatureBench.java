package dev.arbiter.bench;

import dev.arbiter.core.crypto.KeyAlgorithm;
import dev.arbiter.core.crypto.SignatureVerificationException;
import dev.arbiter.core.crypto.SigningKey;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Sign and verify of a 100-byte message: the JDK's Ed25519 provider, BouncyCastle's lightweight
 * Ed25519Signer, and Arbiter's SigningKey/VerifyingKey (Ed25519 via BouncyCastle, ECDSA P-256 via
 * the JDK). The JDK benchmarks reuse one initialised {@link Signature} per thread, its fastest use.
 *
 * <p>Run: {@code java -jar arbiter-bench/target/benchmarks.jar SignatureBench -f 1 -wi 2 -i 3 -w 2s -r 3s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SignatureBench {
  byte[] message;

  KeyPair jdkEd25519;
  byte[] jdkEd25519Signature;

  Ed25519PrivateKeyParameters bcPrivate;
  Ed25519PublicKeyParameters bcPublic;
  byte[] bcSignature;

  SigningKey arbiterEd25519;
  byte[] arbiterEd25519Signature;
  SigningKey arbiterP256;
  byte[] arbiterP256Signature;

  @Setup
  public void setup() throws GeneralSecurityException {
    message = new byte[100];
    new SplittableRandom(100).nextBytes(message);
    SecureRandom random = new SecureRandom();

    jdkEd25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(jdkEd25519.getPrivate());
    s.update(message);
    jdkEd25519Signature = s.sign();

    bcPrivate = new Ed25519PrivateKeyParameters(random);
    bcPublic = bcPrivate.generatePublicKey();
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, bcPrivate);
    signer.update(message, 0, message.length);
    bcSignature = signer.generateSignature();

    arbiterEd25519 = SigningKey.generate(KeyAlgorithm.ED25519, random);
    arbiterEd25519Signature = arbiterEd25519.sign(message);
    arbiterP256 = SigningKey.generate(KeyAlgorithm.ECDSA_P256, random);
    arbiterP256Signature = arbiterP256.sign(message);
  }

  /** Per-thread initialised JDK Signature objects (not thread-safe). */
  @State(Scope.Thread)
  public static class JdkSignatures {
    Signature signer;
    Signature verifier;

    @Setup
    public void setup(SignatureBench bench) throws GeneralSecurityException {
      signer = Signature.getInstance("Ed25519");
      signer.initSign(bench.jdkEd25519.getPrivate());
      verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(bench.jdkEd25519.getPublic());
    }
  }

  @Benchmark
  public byte[] jdkEd25519Sign(JdkSignatures jdk) throws GeneralSecurityException {
    jdk.signer.update(message);
    return jdk.signer.sign();
  }

  @Benchmark
  public boolean jdkEd25519Verify(JdkSignatures jdk) throws GeneralSecurityException {
    jdk.verifier.update(message);
    if (!jdk.verifier.verify(jdkEd25519Signature)) {
      throw new IllegalStateException("JDK Ed25519 verification failed");
    }
    return true;
  }

  @Benchmark
  public byte[] bcEd25519Sign() {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, bcPrivate);
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  @Benchmark
  public boolean bcEd25519Verify() {
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, bcPublic);
    verifier.update(message, 0, message.length);
    if (!verifier.verifySignature(bcSignature)) {
      throw new IllegalStateException("BC Ed25519 verification failed");
    }
    return true;
  }

  @Benchmark
  public byte[] arbiterEd25519Sign() {
    return arbiterEd25519.sign(message);
  }

  @Benchmark
  public void arbiterEd25519Verify() throws SignatureVerificationException {
    arbiterEd25519.verifyingKey().verify(message, arbiterEd25519Signature);
  }

  @Benchmark
  public byte[] arbiterP256Sign() {
    return arbiterP256.sign(message);
  }

  @Benchmark
  public void arbiterP256Verify() throws SignatureVerificationException {
    arbiterP256.verifyingKey().verify(message, arbiterP256Signature);
  }
}
