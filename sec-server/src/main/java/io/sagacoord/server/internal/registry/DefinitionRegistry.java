package io.sagacoord.server.internal.registry;

import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.SagaDefinitionProvider;
import io.sagacoord.server.DefinitionConflictException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The loaded saga definitions, by name and version: {@link ServiceLoader} providers from jars on
 * the classpath (so definitions can be dropped in without rebuilding the server) plus Spring beans
 * of type {@link SagaDefinition} or {@link SagaDefinitionProvider}. New sagas take the newest
 * version; running sagas keep theirs.
 */
@Component
public class DefinitionRegistry implements CommandTopics {

  private static final Log log = LogFactory.getLog(DefinitionRegistry.class);

  private final Map<String, NavigableMap<Integer, SagaDefinition<?>>> byName;

  @Autowired
  public DefinitionRegistry(
      ObjectProvider<SagaDefinition<?>> definitionBeans,
      ObjectProvider<SagaDefinitionProvider> providerBeans) {
    List<SagaDefinition<?>> all = new ArrayList<>();
    for (SagaDefinitionProvider provider : ServiceLoader.load(SagaDefinitionProvider.class)) {
      all.addAll(provider.definitions());
    }
    providerBeans.orderedStream().forEach(p -> all.addAll(p.definitions()));
    definitionBeans.orderedStream().forEach(all::add);
    this.byName = index(all);
    byName.forEach(
        (name, versions) ->
            log.info("Loaded saga definition " + name + " versions " + versions.keySet()));
  }

  /** For tests and embedding: a registry of exactly these definitions. */
  public DefinitionRegistry(List<SagaDefinition<?>> definitions) {
    this.byName = index(definitions);
  }

  private static Map<String, NavigableMap<Integer, SagaDefinition<?>>> index(
      List<SagaDefinition<?>> all) {
    Map<String, NavigableMap<Integer, SagaDefinition<?>>> map = new TreeMap<>();
    for (SagaDefinition<?> def : all) {
      NavigableMap<Integer, SagaDefinition<?>> versions =
          map.computeIfAbsent(def.name(), n -> new TreeMap<>());
      SagaDefinition<?> previous = versions.putIfAbsent(def.version(), def);
      // the same definition may arrive twice (a bean that is also a ServiceLoader provider)
      if (previous != null && !previous.fingerprint().equals(def.fingerprint())) {
        throw new DefinitionConflictException(
            def.name(), def.version(), previous.fingerprint(), def.fingerprint());
      }
    }
    map.replaceAll((name, versions) -> Collections.unmodifiableNavigableMap(versions));
    return Collections.unmodifiableMap(map);
  }

  /** The newest version of a saga type, for new sagas. */
  public Optional<SagaDefinition<?>> newest(String name) {
    NavigableMap<Integer, SagaDefinition<?>> versions = byName.get(name);
    return versions == null ? Optional.empty() : Optional.of(versions.lastEntry().getValue());
  }

  /** The exact version a running saga started with. */
  public Optional<SagaDefinition<?>> find(String name, int version) {
    NavigableMap<Integer, SagaDefinition<?>> versions = byName.get(name);
    return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
  }

  /**
   * Why a running saga cannot run on the loaded definitions, or empty if it can: its version is
   * missing, or its fingerprint differs (the definition changed without a new version).
   */
  public Optional<String> parkReason(String name, int version, String fingerprint) {
    Optional<SagaDefinition<?>> def = find(name, version);
    if (def.isEmpty()) {
      NavigableMap<Integer, SagaDefinition<?>> versions = byName.get(name);
      return Optional.of(
          "definition "
              + name
              + " version "
              + version
              + " is not loaded (loaded versions: "
              + (versions == null ? "none" : versions.keySet())
              + ")");
    }
    if (!def.get().fingerprint().equals(fingerprint)) {
      return Optional.of(
          "definition "
              + name
              + " version "
              + version
              + " changed: the saga started with fingerprint "
              + fingerprint
              + ", the loaded one has "
              + def.get().fingerprint());
    }
    return Optional.empty();
  }

  public Set<String> names() {
    return byName.keySet();
  }

  /** Every loaded definition, by name, then version. */
  public List<SagaDefinition<?>> all() {
    List<SagaDefinition<?>> all = new ArrayList<>();
    byName.values().forEach(versions -> all.addAll(versions.values()));
    return all;
  }

  @Override
  public Set<String> commandTopics() {
    Set<String> topics = new LinkedHashSet<>();
    byName.values().stream()
        .flatMap(v -> v.values().stream())
        .flatMap(d -> d.participants().stream())
        .map(ParticipantRef::commandTopic)
        .forEach(topics::add);
    return topics;
  }
}
