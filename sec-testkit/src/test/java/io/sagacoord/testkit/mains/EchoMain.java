package io.sagacoord.testkit.mains;

/** Prints what it was given (a system property, an environment variable, its arguments). */
public final class EchoMain {
  private EchoMain() {}

  public static void main(String[] args) {
    System.out.println("property greeting=" + System.getProperty("greeting"));
    System.out.println("env TESTKIT_COLOUR=" + System.getenv("TESTKIT_COLOUR"));
    System.out.println("args=" + String.join(",", args));
    System.exit(7);
  }
}
