package io.sagacoord.testkit;

import io.sagacoord.testkit.internal.ProcessRegistry;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * JUnit extension handing tests the shared infrastructure of {@link SagaInfra}.
 *
 * <p>Resolves parameters (test methods, constructors, lifecycle methods) of type {@link
 * PostgresInfra}, {@link KafkaInfra} and {@link TestDatabase}. A {@code TestDatabase} is fresh for
 * each parameter, named after the test class, and closed (dropped) when the scope that asked for it
 * ends: the test method for a method parameter, the class for a {@code @BeforeAll} parameter.
 *
 * <p>When a test fails, the tails of the logs of the child processes started during it (and of
 * those still running) are attached to the failure as a suppressed exception and printed to
 * standard error.
 */
public final class SagaInfraExtension
    implements ParameterResolver,
        BeforeAllCallback,
        BeforeEachCallback,
        TestExecutionExceptionHandler,
        TestWatcher {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SagaInfraExtension.class);
  private static final String MARK = "process-mark";
  private static final int LOG_LINES = 60;

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == PostgresInfra.class || type == KafkaInfra.class || type == TestDatabase.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    try {
      if (type == PostgresInfra.class) {
        return SagaInfra.postgres();
      }
      if (type == KafkaInfra.class) {
        return SagaInfra.kafka();
      }
      TestDatabase database = SagaInfra.postgres().newDatabase(prefixFor(context));
      // AutoCloseable values in the store are closed when the scope ends (JUnit 5.13+)
      context.getStore(NAMESPACE).put("db-" + UUID.randomUUID(), database);
      return database;
    } catch (TestkitException e) {
      throw new ParameterResolutionException(
          "sec-testkit could not provide " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getStore(NAMESPACE).put(MARK, ProcessRegistry.mark());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NAMESPACE).put(MARK, ProcessRegistry.mark());
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable)
      throws Throwable {
    String logs = childLogs(context);
    if (!logs.isEmpty()) {
      throwable.addSuppressed(new ChildProcessLogs(logs));
    }
    throw throwable;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    String logs = childLogs(context);
    if (!logs.isEmpty()) {
      System.err.println(
          "[sec-testkit] " + context.getDisplayName() + " failed; child process logs:\n" + logs);
    }
  }

  private static String childLogs(ExtensionContext context) {
    Long mark = context.getStore(NAMESPACE).get(MARK, Long.class);
    List<ProcessRegistry.Child> children = ProcessRegistry.registeredSince(mark == null ? 0 : mark);
    return children.isEmpty() ? "" : ProcessRegistry.describeLogs(children, LOG_LINES);
  }

  private static String prefixFor(ExtensionContext context) {
    String name =
        context
            .getTestClass()
            .map(Class::getSimpleName)
            .orElse("test")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9_]", "_");
    if (name.isEmpty() || !Character.isLetter(name.charAt(0))) {
      name = "t" + name;
    }
    return name.length() > 30 ? name.substring(0, 30) : name;
  }

  /** Carries child process logs into a test failure's report; not thrown on its own. */
  static final class ChildProcessLogs extends RuntimeException {
    ChildProcessLogs(String logs) {
      super("child process logs (sec-testkit):\n" + logs, null, false, false);
    }
  }
}
