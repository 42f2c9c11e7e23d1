package io.sagacoord.client;

import java.util.List;

/**
 * One page of {@link SagaClient#list}; pass {@code query.withCursor(page.nextCursor())} for the
 * next. {@code nextCursor} is null on the last page.
 */
public record SagaPage(List<SagaSummary> items, String nextCursor, int limit) {
  /** True when another page follows. */
  public boolean hasNext() {
    return nextCursor != null;
  }
}
