package io.sagacoord.bridge;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads an answer body into memory, at most {@code limit} bytes: a longer body (announced by its
 * {@code Content-Length} or found while reading) cancels the exchange and fails with {@link
 * TooLarge}, so a service cannot make the bridge hold more than the limit.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final long limit;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private Flow.Subscription subscription;
  private long size;

  private BoundedBody(long limit) {
    this.limit = limit;
  }

  /** A body handler that refuses bodies over {@code limit} bytes. */
  static HttpResponse.BodyHandler<byte[]> handler(long limit) {
    return info -> {
      OptionalLong declared = info.headers().firstValueAsLong("Content-Length");
      BoundedBody body = new BoundedBody(limit);
      if (declared.isPresent() && declared.getAsLong() > limit) {
        body.result.completeExceptionally(new TooLarge(limit));
      }
      return body;
    };
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (result.isDone()) {
      subscription.cancel();
    } else {
      subscription.request(Long.MAX_VALUE);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer item : items) {
      size += item.remaining();
      if (size > limit) {
        subscription.cancel();
        result.completeExceptionally(new TooLarge(limit));
        return;
      }
      byte[] bytes = new byte[item.remaining()];
      item.get(bytes);
      buffer.write(bytes, 0, bytes.length);
    }
  }

  @Override
  public void onError(Throwable error) {
    result.completeExceptionally(error);
  }

  @Override
  public void onComplete() {
    result.complete(buffer.toByteArray());
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  /** The body is longer than the limit. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge(long limit) {
      super("answer body larger than " + limit + " bytes", null, false, false);
    }
  }
}
