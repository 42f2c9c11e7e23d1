package io.sagacoord.server.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SagaEndsTest {

  private final SagaEnds ends = new SagaEnds();
  private final UUID saga = UUID.randomUUID();
  private final List<String> heard = new ArrayList<>();

  @Test
  void wakesEveryListenerOfTheSagaOnceAndForgetsThem() {
    ends.listen(saga, () -> heard.add("a"));
    ends.listen(saga, () -> heard.add("b"));
    ends.listen(UUID.randomUUID(), () -> heard.add("other"));

    ends.ended(saga);
    ends.ended(saga);

    assertThat(heard).containsExactly("a", "b");
    assertThat(ends.watched()).doesNotContain(saga).hasSize(1);
  }

  @Test
  void aClosedListenerIsNotWokenAndLeavesNothingWatched() throws Exception {
    AutoCloseable listening = ends.listen(saga, () -> heard.add("a"));

    listening.close();
    ends.ended(saga);

    assertThat(heard).isEmpty();
    assertThat(ends.watched()).isEmpty();
  }

  @Test
  void aFailingListenerDoesNotKeepTheOthersFromBeingWoken() {
    ends.listen(
        saga,
        () -> {
          throw new IllegalStateException("boom");
        });
    ends.listen(saga, () -> heard.add("b"));

    ends.ended(saga);

    assertThat(heard).containsExactly("b");
  }
}
