package dev.arbiter.core.policy;

/**
 * Where inside a CEL expression a problem is: 1-based {@code line} and {@code column} within the
 * expression text, and how many characters to underline.
 */
public record ExpressionSpan(String expression, int line, int column, int length) {}
