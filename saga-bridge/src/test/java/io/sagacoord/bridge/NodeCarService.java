package io.sagacoord.bridge;

import static org.awaitility.Awaitility.await;

import io.sagacoord.testkit.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The example's car service in JavaScript, run by the machine's {@code node} as a child process.
 */
final class NodeCarService implements AutoCloseable {
  static final Path SCRIPT =
      Path.of("..", "examples", "travel-booking", "car-service-js", "car-service.js");

  private final HttpClient http = HttpClient.newHttpClient();
  private final Process node;
  private final URI baseUrl;

  private NodeCarService(Process node, URI baseUrl) {
    this.node = node;
    this.baseUrl = baseUrl;
  }

  /** True when {@code node} runs and the script is where the repository keeps it. */
  static boolean available() {
    if (!Files.exists(SCRIPT)) {
      return false;
    }
    try {
      Process probe = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Starts the script on a free port with its data in {@code dir}, and waits until it answers. */
  static NodeCarService start(Path dir, int carsPerDay) throws IOException {
    int port = FreePorts.one();
    ProcessBuilder builder =
        new ProcessBuilder("node", SCRIPT.toAbsolutePath().normalize().toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("car-service.log").toFile());
    builder.environment().put("PORT", Integer.toString(port));
    builder.environment().put("DATA_FILE", dir.resolve("cars.json").toString());
    builder.environment().put("CARS_PER_DAY", Integer.toString(carsPerDay));
    NodeCarService service =
        new NodeCarService(builder.start(), URI.create("http://127.0.0.1:" + port));
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> service.get("/health").statusCode() == 200);
    return service;
  }

  URI baseUrl() {
    return baseUrl;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(baseUrl.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws InterruptedException {
    node.destroy();
    if (!node.waitFor(10, TimeUnit.SECONDS)) {
      node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
