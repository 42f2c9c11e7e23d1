package io.sagacoord.server.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sagacoord.server.internal.ops.Failures;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Database conflicts that the same work gets past when tried again (a deadlock, a lock not
 * available), raised by a real PostgreSQL: they are told apart from failures of the item at hand,
 * and they fail a whole pass of {@link EventPipeline#eachUnderSavepoint} instead of being blamed on
 * one item.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransientConflictIntegrationTest {

  private TestDatabase db;
  private JdbcClient jdbc;
  private TransactionTemplate tx;
  private TransactionTemplate separateTx;

  @BeforeAll
  void create() {
    db = SagaInfra.postgres().newDatabase("sec_transient_conflict");
    jdbc = JdbcClient.create(db.dataSource());
    jdbc.sql("CREATE TABLE item (id int PRIMARY KEY, note text)").update();
    DataSourceTransactionManager manager = new DataSourceTransactionManager(db.dataSource());
    tx = new TransactionTemplate(manager);
    separateTx = new TransactionTemplate(manager);
    separateTx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  @AfterAll
  void drop() {
    if (db != null) {
      db.close();
    }
  }

  @BeforeEach
  void clear() {
    jdbc.sql("TRUNCATE item").update();
    jdbc.sql("INSERT INTO item VALUES (1, 'one'), (2, 'two')").update();
  }

  private void update(int id) {
    jdbc.sql("UPDATE item SET note = note || '+' WHERE id = :id").param("id", id).update();
  }

  @Test
  void aDeadlockIsTransientAndAKeyViolationIsNot() throws Exception {
    // two transactions take rows 1 and 2 in opposite orders; PostgreSQL ends one of them
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> sides = new ArrayList<>();
    for (int[] order : new int[][] {{1, 2}, {2, 1}}) {
      sides.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  tx.executeWithoutResult(
                      status -> {
                        update(order[0]);
                        bothHoldOne.countDown();
                        try {
                          bothHoldOne.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        update(order[1]);
                      });
                } catch (RuntimeException e) {
                  failures.add(e);
                }
              }));
    }
    CompletableFuture.allOf(sides.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    assertThat(failures).hasSize(1);
    assertThat(Failures.describe(failures.get(0))).contains("deadlock");
    assertThat(Failures.isTransient(failures.get(0))).isTrue();

    Throwable duplicate =
        catchThrowable(() -> jdbc.sql("INSERT INTO item VALUES (1, 'again')").update());
    assertThat(duplicate).isNotNull();
    assertThat(Failures.isTransient(duplicate)).isFalse();
  }

  @Test
  void aFailingItemIsRolledBackAloneButALockConflictFailsThePass() {
    List<Integer> blamed = new ArrayList<>();
    // another transaction holds row 2 for the whole pass
    Throwable thrown =
        tx.execute(
            holder -> {
              jdbc.sql("SELECT id FROM item WHERE id = 2 FOR UPDATE").query(Integer.class).list();
              return catchThrowable(
                  () ->
                      separateTx.executeWithoutResult(
                          pass ->
                              EventPipeline.eachUnderSavepoint(
                                  pass,
                                  List.of(3, 1, 2),
                                  id -> {
                                    if (id == 2) {
                                      jdbc.sql("SELECT id FROM item WHERE id = 2 FOR UPDATE NOWAIT")
                                          .query(Integer.class)
                                          .list();
                                    }
                                    // id 1 exists: a key violation, this item's own failure
                                    jdbc.sql("INSERT INTO item VALUES (:id, 'new')")
                                        .param("id", id)
                                        .update();
                                  },
                                  (id, e) -> blamed.add(id))));
            });

    assertThat(blamed).containsExactly(1);
    assertThat(thrown).isNotNull();
    assertThat(Failures.isTransient(thrown)).isTrue();
    // the pass is rolled back whole: item 3's insert is gone
    assertThat(jdbc.sql("SELECT count(*) FROM item").query(Integer.class).single()).isEqualTo(2);

    // without the conflict, the same pass keeps the others' writes and blames item 1 alone
    blamed.clear();
    tx.executeWithoutResult(
        pass ->
            EventPipeline.eachUnderSavepoint(
                pass,
                List.of(3, 1),
                id -> jdbc.sql("INSERT INTO item VALUES (:id, 'new')").param("id", id).update(),
                (id, e) -> blamed.add(id)));
    assertThat(blamed).containsExactly(1);
    assertThat(jdbc.sql("SELECT count(*) FROM item").query(Integer.class).single()).isEqualTo(3);
  }
}
