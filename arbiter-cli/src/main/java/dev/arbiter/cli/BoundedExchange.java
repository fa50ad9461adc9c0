package dev.arbiter.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange of the CLI's clients, whole within one deadline and one size bound. {@link
 * HttpRequest#timeout} covers only the wait for the response headers: a server that then sends its
 * body slowly, or not at all, would hold the command forever. Here the deadline covers the headers
 * and the body; a body past {@code maxBytes} is cut off (the answer says so) and the connection
 * cancelled, so a server cannot exhaust the client's memory either.
 */
final class BoundedExchange {
  private BoundedExchange() {}

  /** Status, headers and the body, or as much of it as the bound allowed ({@code tooLarge}). */
  record Answer(int status, HttpHeaders headers, byte[] body, boolean tooLarge) {}

  /**
   * @throws TimeoutException when the whole exchange did not finish within {@code deadline} (it is
   *     cancelled)
   * @throws IOException when the exchange failed ({@link java.net.ConnectException} when nothing was
   *     sent)
   */
  static Answer send(HttpClient http, HttpRequest request, Duration deadline, int maxBytes)
      throws IOException, InterruptedException, TimeoutException {
    CompletableFuture<HttpResponse<Body>> f = http.sendAsync(request, info -> new Limited(maxBytes));
    HttpResponse<Body> r;
    try {
      r = f.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | InterruptedException e) {
      f.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause == null ? "the exchange failed" : cause.toString(), cause);
    }
    return new Answer(r.statusCode(), r.headers(), r.body().bytes(), r.body().tooLarge());
  }

  private record Body(byte[] bytes, boolean tooLarge) {}

  /** Collects up to {@code max} bytes; past that it cancels the subscription and keeps what it has. */
  private static final class Limited implements HttpResponse.BodySubscriber<Body> {
    private final int max;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<Body> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    Limited(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<Body> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        int room = max - out.size();
        if (b.remaining() > room) {
          byte[] part = new byte[room];
          b.get(part);
          out.write(part, 0, room);
          result.complete(new Body(out.toByteArray(), true));
          subscription.cancel();
          return;
        }
        byte[] all = new byte[b.remaining()];
        b.get(all);
        out.write(all, 0, all.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(new Body(out.toByteArray(), false));
    }
  }
}
