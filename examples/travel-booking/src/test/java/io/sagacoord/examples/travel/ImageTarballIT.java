package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The image tarballs that {@code -Pimages} builds with Jib (the coordinator's and the
 * travel-booking services'), read as an OCI layout: the configuration each image runs with
 * (entrypoint, a user other than root, the exposed port, the OCI labels, container-aware heap
 * sizing). Runs in the {@code images} profile only, after the tarballs are built.
 */
class ImageTarballIT {

  private static final long MAX_JSON_BYTES = 1 << 20;
  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void coordinatorImageRunsTheCoordinatorAsANonRootUserOnPort8080() throws IOException {
    JsonNode config =
        imageConfig(Path.of(System.getProperty("images.dir.coordinator"), "sec-server-image.tar"));

    List<String> entrypoint = strings(config.get("Entrypoint"));
    assertThat(entrypoint).first().isEqualTo("java");
    assertThat(entrypoint)
        .contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError")
        .last()
        .isEqualTo("io.sagacoord.server.SecApplication");
    assertNonRoot(config);
    assertThat(fieldNames(config.get("ExposedPorts"))).containsExactly("8080/tcp");
    assertThat(strings(config.get("Env"))).contains("SEC_EMBEDDED=false");
    assertLabels(config, "sec-server");
  }

  @Test
  void travelImageStartsTheMainClassItsArgumentsName() throws IOException {
    JsonNode config =
        imageConfig(Path.of(System.getProperty("images.dir.travel"), "travel-booking-image.tar"));

    assertThat(strings(config.get("Entrypoint")))
        .containsExactly(
            "java",
            "-XX:MaxRAMPercentage=75",
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            "@/app/jib-classpath-file");
    assertThat(strings(config.get("Cmd")))
        .containsExactly("io.sagacoord.examples.travel.trip.TripServiceMain");
    assertNonRoot(config);
    assertThat(fieldNames(config.get("ExposedPorts"))).containsExactly("8081/tcp");
    assertLabels(config, "travel-booking");
  }

  private static void assertNonRoot(JsonNode config) {
    String user = config.path("User").asString("");
    assertThat(user).isNotBlank();
    assertThat(user.split(":")[0]).isNotIn("0", "root");
  }

  private static void assertLabels(JsonNode config, String title) {
    JsonNode labels = config.get("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asString()).isEqualTo(title);
    assertThat(labels.path("org.opencontainers.image.version").asString())
        .isEqualTo(System.getProperty("images.version"));
    assertThat(labels.path("org.opencontainers.image.licenses").asString()).isEqualTo("Apache-2.0");
    assertThat(labels.path("org.opencontainers.image.description").asString()).isNotBlank();
  }

  /** The {@code config} object of the image's configuration blob, found through its manifest. */
  private JsonNode imageConfig(Path tarball) throws IOException {
    assertThat(tarball).exists();
    Map<String, byte[]> entries = smallEntries(tarball);
    assertThat(entries).containsKey("oci-layout");
    JsonNode index = json.readTree(entries.get("index.json"));
    assertThat(index.get("manifests")).hasSize(1);
    JsonNode manifest = json.readTree(blob(entries, index.get("manifests").get(0)));
    assertThat(manifest.path("mediaType").asString())
        .isEqualTo("application/vnd.oci.image.manifest.v1+json");
    JsonNode image = json.readTree(blob(entries, manifest.get("config")));
    assertThat(image.path("os").asString()).isEqualTo("linux");
    return image.get("config");
  }

  private static byte[] blob(Map<String, byte[]> entries, JsonNode descriptor) {
    String digest = descriptor.get("digest").asString();
    byte[] bytes = entries.get("blobs/" + digest.replace(':', '/'));
    assertThat(bytes).as("blob %s", digest).isNotNull();
    return bytes;
  }

  /** Entries of an uncompressed tar up to 1 MiB (the JSON documents), by name. */
  private static Map<String, byte[]> smallEntries(Path tarball) throws IOException {
    Map<String, byte[]> entries = new HashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tarball))) {
      byte[] header = new byte[512];
      while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
        String name =
            text(header, 345, 155).isEmpty()
                ? text(header, 0, 100)
                : text(header, 345, 155) + "/" + text(header, 0, 100);
        long size = Long.parseLong(text(header, 124, 12).trim(), 8);
        long padded = (size + 511) / 512 * 512;
        if (header[156] == '0' || header[156] == 0) {
          if (size <= MAX_JSON_BYTES) {
            entries.put(name, in.readNBytes((int) size));
            in.skipNBytes(padded - size);
          } else {
            in.skipNBytes(padded);
          }
        } else {
          in.skipNBytes(padded);
        }
      }
    }
    return entries;
  }

  private static String text(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> out.add(n.asString()));
    }
    return out;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> out = new ArrayList<>();
    if (object != null) {
      object.propertyNames().forEach(out::add);
    }
    return out;
  }
}
