package dev.arbiter.ledger.verify;

import dev.arbiter.ledger.HashValue;
import java.util.List;

/**
 * What a successful verification covered.
 *
 * @param entries entries verified (chain, index and Merkle)
 * @param checkpoints signed checkpoints verified (signature, root, order)
 * @param root the Merkle root over all entries
 * @param trustedCheckpointSize the size of the trusted checkpoint that was matched, or -1
 * @param warnings what an operator should know though nothing failed (protective triggers that were
 *     dropped), empty when nothing
 */
public record VerificationReport(
    String ledgerId, long entries, long checkpoints, HashValue root, long trustedCheckpointSize, double seconds,
    List<String> warnings) {}
