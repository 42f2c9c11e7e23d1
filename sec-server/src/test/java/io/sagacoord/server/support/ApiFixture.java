package io.sagacoord.server.support;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.SagaView;
import io.sagacoord.server.internal.security.ApiKeys;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * One coordinator for the REST API tests (started once per JVM, stopped at exit): API keys for each
 * role, a JWT public key whose private half signs test tokens, scripted participants, and a counter
 * of requests that reached a controller method.
 */
public final class ApiFixture {

  public static final String VIEWER = "viewer-key";
  public static final String OPERATOR = "operator-key";
  public static final String STARTER = "starter-key";
  public static final String TRIP_STARTER = "trip-starter-key";
  public static final String ADMIN = "admin-key";

  /** A STARTER key whose saga-type list is empty: it may start no type. */
  public static final String NO_TYPE_STARTER = "no-type-starter-key";

  /** The issuer and audience the coordinator requires of JWTs. */
  public static final String JWT_ISSUER = "https://idp.test";

  public static final String JWT_AUDIENCE = "sec-api";
  public static final String AFTER_PIVOT = "test-after-pivot";

  private static ApiFixture instance;

  public final KafkaInfra kafka;
  public final TestDatabase db;
  public final RunningCoordinator sec;
  public final ScriptedParticipants participants;
  public final SagaCoordinator coordinator;
  public final String registryTopic;

  /** Requests that reached a controller method (counted by an interceptor). */
  public final AtomicLong handled = new AtomicLong();

  private final KeyPair jwtKeys;
  private final KeyPair otherKeys;
  private final HttpClient http = HttpClient.newHttpClient();

  public static synchronized ApiFixture get() {
    if (instance == null) {
      instance = new ApiFixture();
      Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "api-fixture-stop"));
    }
    return instance;
  }

  private ApiFixture() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      jwtKeys = generator.generateKeyPair();
      otherKeys = generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase("sec_api");
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("api-replies");
    registryTopic = replyTopic + "-registry";
    Map<String, Object> props = new HashMap<>();
    key(props, 0, "viewer", VIEWER, "VIEWER", null);
    key(props, 1, "operator", OPERATOR, "OPERATOR", null);
    key(props, 2, "starter", STARTER, "STARTER", null);
    key(props, 3, "trip-starter", TRIP_STARTER, "STARTER", TestSagas.TRIP);
    key(props, 4, "admin", ADMIN, "ADMIN", null);
    key(props, 5, "no-type-starter", NO_TYPE_STARTER, "STARTER", "");
    props.put("sec.security.jwt.issuer", JWT_ISSUER);
    props.put("sec.security.jwt.audiences", "other-api," + JWT_AUDIENCE);
    // the authorization matrix sends hundreds of wrong credentials from one address
    props.put("sec.security.throttle.max-failures", "1000000");
    // circuits are kept (the API and the console show them) but never open on outcomes, which many
    // tests script to fail on purpose; a test opens one as another coordinator would, through the
    // shared saga_participant_circuit table
    props.put("sec.circuit.sliding-window-type", "TIME_BASED");
    props.put("sec.circuit.minimum-calls", "1000000");
    props.put(
        "sec.security.jwt.public-key",
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(jwtKeys.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----");
    WebMvcConfigurer counting =
        new WebMvcConfigurer() {
          @Override
          public void addInterceptors(InterceptorRegistry registry) {
            registry.addInterceptor(
                new HandlerInterceptor() {
                  @Override
                  public boolean preHandle(
                      HttpServletRequest request, HttpServletResponse response, Object handler) {
                    if (handler instanceof org.springframework.web.method.HandlerMethod) {
                      handled.incrementAndGet();
                    }
                    return true;
                  }
                });
          }
        };
    sec =
        RunningCoordinator.start(
            db,
            kafka,
            replyTopic,
            props,
            List.of(
                TestSagas.trip(suffix, 1, Duration.ofSeconds(60)),
                TestSagas.deadline(suffix),
                afterPivot(suffix)),
            Map.of("countingInterceptor", counting));
    List<String> topics = new ArrayList<>();
    for (String step : TestSagas.TRIP_STEPS) {
      topics.add(TestSagas.participant(step, suffix).commandTopic());
    }
    participants =
        new ScriptedParticipants(
            kafka.consumerConfig("api-participants-" + suffix), kafka.producerConfig(), topics);
    coordinator = sec.bean(SagaCoordinator.class);
  }

  /** s1 compensatable, s2 the pivot, s3 retriable; 60 s timeouts so a silent step stays put. */
  private static SagaDefinition<TestData> afterPivot(String suffix) {
    return SagaDefinition.named(AFTER_PIVOT, TestData.class)
        .defaultTimeout(Duration.ofSeconds(60))
        .defaultRetry(RetryPolicy.fixed(3, Duration.ofMillis(100)))
        .step("s1")
        .invoke(TestSagas.participant("s1", suffix), "s1.do", d -> d)
        .compensateWith("s1.undo", d -> d)
        .step("s2")
        .invoke(TestSagas.participant("s2", suffix), "s2.do", d -> d)
        .pivot()
        .step("s3")
        .invoke(TestSagas.participant("s3", suffix), "s3.do", d -> d)
        .retriable()
        .build();
  }

  private static void key(
      Map<String, Object> props, int i, String name, String key, String role, String type) {
    String prefix = "sec.security.api-keys[" + i + "].";
    props.put(prefix + "name", name);
    props.put(prefix + "sha256", ApiKeys.sha256Hex(key));
    props.put(prefix + "roles", role);
    if (type != null) {
      props.put(prefix + "saga-types", type);
    }
  }

  /** A JWT signed with the configured key (or another key when {@code wrongKey}). */
  public String jwt(List<String> roles, Instant expiresAt, boolean wrongKey) {
    return sign(claims(roles).expirationTime(java.util.Date.from(expiresAt)).build(), wrongKey);
  }

  /**
   * Claims the coordinator accepts: subject {@code alice}, the required issuer and audience, the
   * roles, expiry in ten minutes. Tests change or remove single claims from here.
   */
  public static JWTClaimsSet.Builder claims(List<String> roles) {
    return new JWTClaimsSet.Builder()
        .subject("alice")
        .issuer(JWT_ISSUER)
        .audience(JWT_AUDIENCE)
        .claim("roles", roles)
        .issueTime(java.util.Date.from(Instant.now().minusSeconds(600)))
        .expirationTime(java.util.Date.from(Instant.now().plusSeconds(600)));
  }

  /** {@code claims} signed with the configured key (or another key when {@code wrongKey}). */
  public String sign(JWTClaimsSet claims, boolean wrongKey) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
      jwt.sign(new RSASSASigner((RSAPrivateKey) (wrongKey ? otherKeys : jwtKeys).getPrivate()));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public URI uri(String path) {
    return URI.create("http://localhost:" + sec.port() + path);
  }

  /**
   * Sends a request and checks the response against docs/openapi.json ({@link OpenApiContract}).
   * {@code auth} is null (no credentials), {@code "Bearer <jwt>"}, or an API key.
   */
  public HttpResponse<String> send(String method, String path, String auth, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
    if (auth != null) {
      if (auth.startsWith("Bearer ")) {
        b.header("Authorization", auth);
      } else {
        b.header("X-API-Key", auth);
      }
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.header("Idempotency-Key", UUID.randomUUID().toString());
      b.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response;
    try {
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    }
    // every response an API test receives keeps the contract, docs/openapi.json
    OpenApiContract.check(method, path, response);
    return response;
  }

  public UUID start(String type, TestData data) {
    return coordinator.start(type, UUID.randomUUID().toString(), data).sagaId();
  }

  public SagaView awaitStatus(UUID id, String status) {
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(45))
        .until(() -> coordinator.find(id).map(v -> v.status().equals(status)).orElse(false));
    return coordinator.find(id).orElseThrow();
  }

  public void close() {
    try (TestDatabase d = db;
        RunningCoordinator s = sec;
        ScriptedParticipants p = participants) {
      // closed in reverse order
    } catch (Exception e) {
      // the JVM is going away
    }
  }
}
