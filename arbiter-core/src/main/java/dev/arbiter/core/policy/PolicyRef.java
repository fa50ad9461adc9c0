package dev.arbiter.core.policy;

/** The bundle a decision was evaluated against: {@code hash} ({@code sha256:<hex>}) and {@code version}. */
public record PolicyRef(String hash, String version) {}
