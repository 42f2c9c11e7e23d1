package io.sagacoord.server;

/** Two loaded definitions have the same name and version but different structures. */
public class DefinitionConflictException extends SecException {
  public DefinitionConflictException(String name, int version, String fp1, String fp2) {
    super(
        "saga definition '"
            + name
            + "' version "
            + version
            + " is loaded twice with different fingerprints ("
            + fp1
            + " and "
            + fp2
            + "); give one of them a new version");
  }
}
