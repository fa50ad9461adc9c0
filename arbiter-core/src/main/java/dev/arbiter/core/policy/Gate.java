package dev.arbiter.core.policy;

/** An ordered policy gate: when {@code condition} holds, {@code effect} applies with {@code reason}. */
public record Gate(String id, Condition condition, GateEffect effect, String reason) {}
