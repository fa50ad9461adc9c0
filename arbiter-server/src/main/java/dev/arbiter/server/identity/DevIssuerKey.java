package dev.arbiter.server.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@link DevIssuer}'s ES256 key in {@code DIR/}{@value #FILE_NAME}: a private P-256 JWK (RFC
 * 7517) whose {@code kid} is its RFC 7638 thumbprint. Created with O_EXCL and mode 0600 (never
 * chmod after writing); a file readable or writable by group or others, a symlink, or a file that
 * does not hold a P-256 private JWK is refused, never replaced.
 */
final class DevIssuerKey {
  static final String FILE_NAME = "dev-issuer.jwk.json";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
  private static final int MAX_FILE_BYTES = 16 * 1024;

  private DevIssuerKey() {}

  static Path file(Path dir) {
    return dir.resolve(FILE_NAME);
  }

  static ECKey loadOrCreate(Path dir, SecureRandom random) throws DevIssuerRefusedException, IOException {
    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path file = file(dir);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return load(file);
    }
    ECKey key = generate(random);
    byte[] json = key.toJSONString().getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
      ByteBuffer buf = ByteBuffer.wrap(json);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } catch (FileAlreadyExistsException e) {
      return load(file); // created concurrently: use that one
    } finally {
      java.util.Arrays.fill(json, (byte) 0);
    }
    return key;
  }

  private static ECKey load(Path file) throws DevIssuerRefusedException, IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new DevIssuerRefusedException(file + " is not a regular file; refusing to use it as the dev issuer key");
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
    if (perms.stream().anyMatch(GROUP_OR_OTHER::contains)) {
      throw new DevIssuerRefusedException(file + " is accessible by group or others ("
          + PosixFilePermissions.toString(perms) + "); a private key must be rw------- : chmod 600 " + file);
    }
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new DevIssuerRefusedException(file + " is larger than " + MAX_FILE_BYTES + " bytes; not a dev issuer key");
    }
    JWK jwk;
    try {
      jwk = JWK.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (ParseException | RuntimeException e) {
      throw new DevIssuerRefusedException(file + " is not a JWK", e);
    }
    if (!(jwk instanceof ECKey ec) || !Curve.P_256.equals(ec.getCurve()) || !ec.isPrivate()) {
      throw new DevIssuerRefusedException(file + " does not hold a private P-256 (ES256) JWK");
    }
    try {
      String thumbprint = ec.computeThumbprint().toString();
      if (!thumbprint.equals(ec.getKeyID())) {
        throw new DevIssuerRefusedException(file + ": kid is not the key's RFC 7638 thumbprint");
      }
    } catch (JOSEException e) {
      throw new DevIssuerRefusedException(file + ": cannot compute the key thumbprint", e);
    }
    return ec;
  }

  private static ECKey generate(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair pair = generator.generateKeyPair();
      ECKey withoutId = new ECKey.Builder(Curve.P_256, (ECPublicKey) pair.getPublic())
          .privateKey((ECPrivateKey) pair.getPrivate())
          .build();
      return new ECKey.Builder(withoutId).keyIDFromThumbprint().build();
    } catch (GeneralSecurityException | JOSEException e) {
      throw new IllegalStateException("generating the dev issuer's P-256 key failed", e);
    }
  }
}
