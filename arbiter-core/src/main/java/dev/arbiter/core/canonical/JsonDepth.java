package dev.arbiter.core.canonical;

import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * How deeply the JSON Arbiter reads may nest, by where it comes from.
 *
 * <p>Why three limits: what a client sends is recorded inside an envelope, a few levels deeper than
 * it arrived, and must always be readable back from the ledger. Jackson's default (1,000) applied to
 * both would let a request of 999 levels be recorded and then make its own envelope (1,001 levels)
 * unreadable at the next start, which stops the engine for good (the ledger is append-only). So inputs
 * get a small limit, strict reads of what Arbiter wrote a larger one, and replays of the ledger more
 * than anything was ever accepted at, including before these limits existed.
 */
public final class JsonDepth {
  /** A decision request, and with it every payload a grant can carry. */
  public static final int INPUT = 64;
  /** {@link StrictJson}: envelopes, grants, checkpoints, bundles and the bodies the gateway hashes. */
  public static final int STRICT = 256;
  /** Readers that replay the ledger: what earlier versions accepted (Jackson's 1,000) plus its envelope. */
  public static final int STORED = 4_096;

  private JsonDepth() {}

  /** Jackson's default constraints with {@code maxDepth} as the nesting limit. */
  public static StreamReadConstraints constraints(int maxDepth) {
    return StreamReadConstraints.builder().maxNestingDepth(maxDepth).build();
  }
}
