package dev.arbiter.gateway.http;

/** Test access to {@link ToolCallHandler}'s package-private helpers. */
public final class ToolCallHandlerAccess {
  private ToolCallHandlerAccess() {}

  public static String printable(String s, int max) {
    return ToolCallHandler.printable(s, max);
  }
}
