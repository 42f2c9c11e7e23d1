package io.sagacoord.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** An HTTP service on a local port whose answers each test scripts; records every call. */
final class ScriptedService implements AutoCloseable {

  /** One call as the service saw it. */
  record Call(String path, com.sun.net.httpserver.Headers headers, String body) {
    String header(String name) {
      return headers.getFirst(name);
    }
  }

  /** Writes the answer to one call. */
  @FunctionalInterface
  interface Responder {
    void respond(HttpExchange exchange) throws IOException, InterruptedException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile Function<Call, Responder> behaviour;

  private ScriptedService(int port, Function<Call, Responder> behaviour) throws IOException {
    this.behaviour = behaviour;
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** A service on a free port. */
  static ScriptedService start(Function<Call, Responder> behaviour) throws IOException {
    return new ScriptedService(0, behaviour);
  }

  /** A service on {@code port}. */
  static ScriptedService startOn(int port, Function<Call, Responder> behaviour) throws IOException {
    return new ScriptedService(port, behaviour);
  }

  /** Changes the answers from the next call on. */
  void behave(Function<Call, Responder> behaviour) {
    this.behaviour = behaviour;
  }

  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Call call =
          new Call(
              exchange.getRequestURI().getPath(),
              exchange.getRequestHeaders(),
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      calls.add(call);
      behaviour.apply(call).respond(exchange);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the bridge gave up on this answer (a timeout or a body too large): nothing to do
    }
  }

  static Responder json(int status, String body) {
    return text(status, "application/json", body);
  }

  static Responder text(int status, String contentType, String body) {
    return exchange -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
    };
  }

  static Responder unavailable(String retryAfter) {
    return exchange -> {
      exchange.getResponseHeaders().set("Retry-After", retryAfter);
      exchange.sendResponseHeaders(503, -1);
    };
  }

  /** Sends the headers and the start of a body, then hangs until the service is closed. */
  Responder hanging() {
    return exchange -> {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write("{\"reservationId\":".getBytes(StandardCharsets.UTF_8));
      out.flush();
      released.await();
    };
  }

  /** A JSON body of {@code bytes} bytes, chunked, so only reading tells its size. */
  static Responder huge(int bytes) {
    return exchange -> {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      out.write('{');
      for (int written = 2; written < bytes; written += chunk.length) {
        out.write(chunk, 0, Math.min(chunk.length, bytes - written));
      }
      out.write('}');
    };
  }

  @Override
  public void close() throws InterruptedException {
    released.countDown();
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(10, TimeUnit.SECONDS);
  }
}
