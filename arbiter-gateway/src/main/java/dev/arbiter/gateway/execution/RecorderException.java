package dev.arbiter.gateway.execution;

/**
 * The execution could not be recorded on the ledger (engine down, refused, timed out, answered
 * something unexpected). Before a call is forwarded this means: refuse the call (fail closed).
 */
public class RecorderException extends Exception {
  public RecorderException(String message) {
    super(message);
  }

  public RecorderException(String message, Throwable cause) {
    super(message, cause);
  }
}
