package dev.arbiter.http;

import io.javalin.config.JavalinConfig;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * What Jetty answers itself, before any route runs (a request line or header block it cannot parse,
 * a URI with a bad escape, headers over their limit, an unparsable {@code Content-Length}), as
 * problem+json instead of its HTML error page: "every malformed request gets a problem+json
 * answer" holds for requests that never reach Javalin too.
 */
public final class JettyProblems extends ErrorHandler {
  public static final String CONTENT_TYPE = "application/problem+json";
  private static final HttpField CONTENT_TYPE_FIELD = new HttpField(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);

  private final BiFunction<Integer, String, byte[]> problem;

  /** @param problem the server's own problem+json document for a status and a detail */
  public JettyProblems(BiFunction<Integer, String, byte[]> problem) {
    this.problem = problem;
  }

  /** Installs this on the server and on Javalin's servlet context (each has its own error handler). */
  public void installOn(JavalinConfig cfg) {
    cfg.jetty.modifyServer(server -> server.setErrorHandler(this));
    cfg.jetty.modifyServletContextHandler(context -> context.setErrorHandler(this));
  }

  /** A message Jetty's parser refused: the answer is written by the connection, from these bytes. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(CONTENT_TYPE_FIELD);
    return ByteBuffer.wrap(bytes(status, reason));
  }

  /** An error Jetty raised while dispatching (a bad URI escape, say). */
  @Override
  public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    baseRequest.setHandled(true);
    Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
    int status = response.getStatus();
    response.setContentType(CONTENT_TYPE);
    response.getOutputStream().write(bytes(status, message == null ? null : message.toString()));
  }

  private byte[] bytes(int status, String reason) {
    String detail = reason == null || reason.isBlank() ? "the request could not be parsed (HTTP " + status + ")"
        : "the request could not be parsed: " + reason;
    return problem.apply(status, detail);
  }
}
