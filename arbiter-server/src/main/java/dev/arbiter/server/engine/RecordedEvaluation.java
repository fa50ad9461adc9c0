package dev.arbiter.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.arbiter.core.canonical.CanonicalJson;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * A decision's evaluation as its {@code decision.evaluated} event recorded it: the RFC 8785 bytes of
 * that payload ({@code EvaluationJson} form: sorted keys, {@code 0} not {@code 0.0}), so that a live
 * answer and the answer after a replay are the same JSON.
 *
 * <p>Kept as bytes, not as a tree: the engine holds up to {@code maxCachedDecisions} decisions, and
 * an evaluation with all its gate results is ~5 KB as bytes but ~20 KB and ~150 objects as a Jackson
 * tree, which the garbage collector would copy and trace for as long as the decision is cached. The
 * members an approval reads are parsed alone when it reads them ({@link #get}); answers copy the
 * members' bytes as they are ({@link #raw}). The offsets of each top-level member are found once, here.
 */
public final class RecordedEvaluation {
  /** Buffers from a pool all threads share: a per-thread pool reuses nothing on a new virtual thread per request. */
  private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
      .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.newConcurrentDequePool())
      .streamReadConstraints(dev.arbiter.core.canonical.JsonDepth.constraints(dev.arbiter.core.canonical.JsonDepth.STORED))
      .build());

  private final byte[] canonical;
  /** Top-level member name → {start, end} of its value in {@link #canonical}. */
  private final Map<String, int[]> members;

  private RecordedEvaluation(byte[] canonical) {
    this.canonical = canonical;
    this.members = members(canonical);
  }

  private static Map<String, int[]> members(byte[] json) {
    try {
      return Map.copyOf(JsonSpans.of(json));
    } catch (IOException e) {
      throw new IllegalStateException("a recorded evaluation is not a valid JSON object", e);
    }
  }

  /** From the canonical bytes of a {@code decision.evaluated} payload (taken as they are: the caller gives them up). */
  static RecordedEvaluation ofCanonical(byte[] canonical) {
    return new RecordedEvaluation(canonical);
  }

  /** From a {@code decision.evaluated} payload as a tree (a replay): canonicalised first. */
  static RecordedEvaluation of(JsonNode payload) {
    return new RecordedEvaluation(CanonicalJson.encode(payload));
  }

  /** One top-level member of the evaluation ({@code authority}, {@code risk}, …), parsed alone; missing node if absent. */
  public JsonNode get(String field) {
    int[] at = members.get(field);
    if (at == null) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    try {
      return JSON.readTree(canonical, at[0], at[1] - at[0]);
    } catch (IOException e) {
      throw new IllegalStateException("a recorded evaluation member is not valid JSON", e);
    }
  }

  /**
   * One top-level member's value as the ledger recorded it, to be written into an answer without
   * parsing; {@code null} (the JSON literal) when the evaluation has no such member.
   */
  public RawValue raw(String field) {
    int[] at = members.get(field);
    return at == null ? RawJson.of(NULL, 0, NULL.length) : RawJson.of(canonical, at[0], at[1] - at[0]);
  }

  private static final byte[] NULL = {'n', 'u', 'l', 'l'};

  /** The canonical bytes (a copy). */
  public byte[] canonical() {
    return canonical.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordedEvaluation r && Arrays.equals(canonical, r.canonical);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(canonical);
  }

  @Override
  public String toString() {
    return "RecordedEvaluation[" + canonical.length + " bytes]";
  }
}
