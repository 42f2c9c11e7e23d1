package io.sagacoord.server.dist;

import java.nio.file.Path;

/** A jar in the definitions folder that cannot be loaded; the message names the jar and why. */
public final class DefinitionJarException extends RuntimeException {

  private final Path jar;

  DefinitionJarException(Path jar, String reason) {
    super("definition jar " + jar + ": " + reason);
    this.jar = jar;
  }

  /** The jar that failed. */
  public Path jar() {
    return jar;
  }
}
