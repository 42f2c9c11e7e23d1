package io.sagacoord.client;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The filters and page of {@link SagaClient#list}, immutable: start from {@link #all()} and add
 * with the {@code withX} copies. Filters combine with AND; newest first unless {@link
 * #oldestFirst()}; the server's default page size (50) unless {@link #withLimit}.
 */
public final class SagaQuery {
  private final Map<String, String> params;

  private SagaQuery(Map<String, String> params) {
    this.params = Map.copyOf(params);
  }

  /** Every saga, newest first. */
  public static SagaQuery all() {
    return new SagaQuery(Map.of());
  }

  /** Sagas in one of these statuses (RUNNING, COMPENSATING, COMPLETED, ...). */
  public SagaQuery withStatus(String... statuses) {
    if (statuses.length == 0) {
      throw new IllegalArgumentException("statuses must name at least one status");
    }
    return with("status", String.join(",", List.of(statuses)));
  }

  /** Sagas of this type. */
  public SagaQuery withType(String sagaType) {
    return with("type", sagaType);
  }

  /** Sagas with this current step (in flight, waiting to retry or stuck). */
  public SagaQuery withStep(String step) {
    return with("step", step);
  }

  /** Sagas with a current step handled by this participant. */
  public SagaQuery withParticipant(String participant) {
    return with("participant", participant);
  }

  /** Sagas created in {@code [from, to)}; either bound may be null. */
  public SagaQuery createdBetween(Instant from, Instant to) {
    return with("createdFrom", from == null ? null : from.toString())
        .with("createdTo", to == null ? null : to.toString());
  }

  /** Sagas last updated in {@code [from, to)}; either bound may be null. */
  public SagaQuery updatedBetween(Instant from, Instant to) {
    return with("updatedFrom", from == null ? null : from.toString())
        .with("updatedTo", to == null ? null : to.toString());
  }

  /** Free text: the start of a saga id (any case) or the start of a business key (exact case). */
  public SagaQuery withText(String text) {
    return with("q", text);
  }

  /** Page size, 1-500. */
  public SagaQuery withLimit(int limit) {
    if (limit < 1 || limit > 500) {
      throw new IllegalArgumentException("limit must be 1-500, was " + limit);
    }
    return with("limit", Integer.toString(limit));
  }

  /** Oldest first instead of newest first. */
  public SagaQuery oldestFirst() {
    return with("sort", "createdAt");
  }

  /** The page after the one whose {@link SagaPage#nextCursor()} this is. */
  public SagaQuery withCursor(String cursor) {
    return with("cursor", cursor);
  }

  /** The query parameters, in a stable order. */
  public Map<String, String> parameters() {
    return new java.util.TreeMap<>(params);
  }

  private SagaQuery with(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(params);
    if (value == null) {
      copy.remove(name);
    } else {
      if (value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      copy.put(name, value);
    }
    return new SagaQuery(copy);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SagaQuery q && q.params.equals(params);
  }

  @Override
  public int hashCode() {
    return Objects.hash(params);
  }

  @Override
  public String toString() {
    return "SagaQuery" + parameters();
  }
}
