package dev.arbiter.gateway.http;

/** Test access to the package-private helpers of {@link ToolCallHandler} and {@link CallerText}. */
public final class ToolCallHandlerAccess {
  private ToolCallHandlerAccess() {}

  public static String printable(String s, int max) {
    return CallerText.printable(s, max);
  }
}
