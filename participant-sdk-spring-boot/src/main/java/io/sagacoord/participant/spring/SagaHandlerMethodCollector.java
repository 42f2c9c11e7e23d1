package io.sagacoord.participant.spring;

import io.sagacoord.participant.CommandContext;
import io.sagacoord.participant.CommandHandler;
import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.ParticipantException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Finds {@link SagaCommandHandler} and {@link SagaCompensationHandler} methods on beans and turns
 * them into {@link HandlerRegistration}s. Methods are invoked on the bean as the container holds it
 * (the proxy, if any), so {@code @Transactional} on them applies.
 */
public class SagaHandlerMethodCollector implements BeanPostProcessor {
  private final List<HandlerRegistration<?>> registrations = new ArrayList<>();

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    Class<?> target = AopUtils.getTargetClass(bean);
    MethodIntrospector.selectMethods(
            target,
            (MethodIntrospector.MetadataLookup<Boolean>)
                method ->
                    AnnotatedElementUtils.hasAnnotation(method, SagaCommandHandler.class)
                            || AnnotatedElementUtils.hasAnnotation(
                                method, SagaCompensationHandler.class)
                        ? Boolean.TRUE
                        : null)
        .keySet()
        .forEach(method -> register(bean, beanName, method));
    return bean;
  }

  /** The registrations found so far (all of them once the context is refreshed). */
  public synchronized List<HandlerRegistration<?>> registrations() {
    return List.copyOf(registrations);
  }

  private synchronized void register(Object bean, String beanName, Method method) {
    SagaCommandHandler forward = method.getAnnotation(SagaCommandHandler.class);
    SagaCompensationHandler compensation = method.getAnnotation(SagaCompensationHandler.class);
    if (forward != null && compensation != null) {
      throw new ParticipantException(
          beanName
              + "."
              + method.getName()
              + " is marked both as command and compensation handler");
    }
    Class<?>[] types = method.getParameterTypes();
    int contextIndex = -1;
    int commandIndex = -1;
    for (int i = 0; i < types.length; i++) {
      if (types[i] == CommandContext.class && contextIndex < 0) {
        contextIndex = i;
      } else if (commandIndex < 0) {
        commandIndex = i;
      } else {
        commandIndex = -2;
      }
    }
    if (commandIndex < 0 || types.length > 2) {
      throw new ParticipantException(
          beanName
              + "."
              + method.getName()
              + " must take the command record and optionally a CommandContext");
    }
    Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
    CommandHandler<Object> handler = invoker(bean, invocable, contextIndex, commandIndex);
    @SuppressWarnings("unchecked")
    Class<Object> commandClass = (Class<Object>) types[commandIndex];
    registrations.add(
        forward != null
            ? HandlerRegistration.forward(forward.value(), commandClass, handler)
            : HandlerRegistration.compensation(compensation.value(), commandClass, handler));
  }

  private static CommandHandler<Object> invoker(
      Object bean, Method method, int contextIndex, int commandIndex) {
    int arity = method.getParameterCount();
    return (context, command) -> {
      Object[] args = new Object[arity];
      args[commandIndex] = command;
      if (contextIndex >= 0) {
        args[contextIndex] = context;
      }
      Object result;
      try {
        result = method.invoke(bean, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception exception) {
          throw exception;
        }
        throw (Error) cause;
      }
      if (result instanceof Outcome<?> outcome) {
        return outcome;
      }
      return result == null ? Outcome.done() : Outcome.success(result);
    };
  }
}
