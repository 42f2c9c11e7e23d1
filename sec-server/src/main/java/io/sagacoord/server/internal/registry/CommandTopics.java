package io.sagacoord.server.internal.registry;

import java.util.Set;

/** The participant command topics of all loaded definitions (implemented by the registry). */
public interface CommandTopics {
  Set<String> commandTopics();
}
