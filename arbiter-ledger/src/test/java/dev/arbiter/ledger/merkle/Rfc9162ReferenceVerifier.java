package dev.arbiter.ledger.merkle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The verification algorithms written out in RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency), step by step, as a differential oracle for {@link ProofVerifier}. Test code only:
 * it returns a boolean and does no input-length checks, which production verifiers must never do.
 * Consistency from size 0 is rejected, as in {@link ProofVerifier}.
 */
final class Rfc9162ReferenceVerifier {

  private Rfc9162ReferenceVerifier() {}

  static boolean inclusion(byte[] leafHash, long leafIndex, long treeSize, List<byte[]> proof, byte[] root) {
    if (leafIndex < 0 || treeSize <= 0 || leafIndex >= treeSize) {
      return false;
    }
    long fn = leafIndex;
    long sn = treeSize - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = Rfc9162.hashChildren(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = Rfc9162.hashChildren(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return sn == 0 && Arrays.equals(r, root);
  }

  static boolean consistency(long size1, long size2, List<byte[]> proof, byte[] root1, byte[] root2) {
    if (size1 <= 0 || size2 < size1) {
      return false;
    }
    if (size1 == size2) {
      return proof.isEmpty() && Arrays.equals(root1, root2);
    }
    if (proof.isEmpty()) {
      return false;
    }
    List<byte[]> path = new ArrayList<>(proof);
    if (Long.bitCount(size1) == 1) {
      path.add(0, root1);
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.get(0);
    byte[] sr = path.get(0);
    for (byte[] c : path.subList(1, path.size())) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = Rfc9162.hashChildren(c, fr);
        sr = Rfc9162.hashChildren(c, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        sr = Rfc9162.hashChildren(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    return Arrays.equals(fr, root1) && Arrays.equals(sr, root2) && sn == 0;
  }
}
