package io.sagacoord.server.support;

/**
 * Saga data of the test sagas. It tells the scripted participants what to do.
 *
 * @param scenario ok, fail, tech, silent, dup, stale, throw, badundo (fails at failAt, every
 *     compensation fails technically)
 * @param failAt the step the scenario concerns
 * @param failTimes for "tech": how many attempts fail technically before one succeeds
 * @param note filled by reply handlers
 */
public record TestData(String scenario, String failAt, int failTimes, String note) {
  public static TestData ok() {
    return new TestData("ok", null, 0, null);
  }

  public static TestData of(String scenario, String failAt) {
    return new TestData(scenario, failAt, 1, null);
  }

  public TestData withNote(String newNote) {
    return new TestData(scenario, failAt, failTimes, newNote);
  }
}
