package io.sagacoord.testkit.mains;

import io.sagacoord.testkit.SagaInfra;

/** A stand-in for a test JVM: starts the shared embedded Postgres, says so, and waits. */
public final class StartsSharedPostgresMain {
  private StartsSharedPostgresMain() {}

  public static void main(String[] args) throws InterruptedException {
    System.out.println("postgres up: " + SagaInfra.postgres().serverVersion());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
