package dev.arbiter.gateway;

/** A gateway configuration file that cannot be used; the message names the file and the field. */
public final class GatewayConfigException extends Exception {
  public GatewayConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
