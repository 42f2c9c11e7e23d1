package io.sagacoord.examples.travel.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.client.SagaClient;
import io.sagacoord.client.SagaClientOptions;
import io.sagacoord.examples.travel.car.CarService;
import io.sagacoord.examples.travel.car.JsCarService;
import io.sagacoord.examples.travel.common.ReservationService;
import io.sagacoord.examples.travel.flight.FlightService;
import io.sagacoord.examples.travel.hotel.HotelService;
import io.sagacoord.examples.travel.trip.BillingParticipant;
import io.sagacoord.examples.travel.trip.TripApi;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveCar;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveFlight;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveHotel;
import io.sagacoord.examples.travel.trip.TripSaga;
import io.sagacoord.server.SecApplication;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole travel-booking system in one JVM: the coordinator, the flight, hotel and car services,
 * and the trip service (its billing participant and its HTTP API), each service with its own
 * database. The demo runs it on embedded PostgreSQL and Kafka; the end-to-end tests run it on the
 * test kit's. In production each part runs as its own process (see {@code docs/deploy.md}).
 */
public final class TravelSystem implements AutoCloseable {

  /** Where one service's database is. */
  public record Database(String jdbcUrl, String username, String password) {}

  /**
   * @param coordinatorPort the coordinator's HTTP port (0 for a free one)
   * @param tripApiPort the trip API's port (0 for a free one)
   * @param coordinatorApiKey an ADMIN API key for the coordinator (for people and tools), or null
   *     for none; the trip service gets its own starter key, generated at each start
   * @param coordinatorProperties extra Spring properties for the coordinator
   * @param bindAddress the address the coordinator and the trip API listen on, or null for {@value
   *     #LOOPBACK} (this machine only)
   */
  public record Config(
      String kafkaBootstrapServers,
      Database coordinatorDb,
      Database flightDb,
      Database hotelDb,
      Database carDb,
      Database tripDb,
      int coordinatorPort,
      int tripApiPort,
      String coordinatorApiKey,
      Map<String, Object> coordinatorProperties,
      String bindAddress) {}

  /** Where the coordinator and the trip API listen unless told otherwise: this machine only. */
  public static final String LOOPBACK = "127.0.0.1";

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private ConfigurableApplicationContext coordinator;
  private ReservationService<ReserveFlight> flights;
  private ReservationService<ReserveHotel> hotels;
  private ReservationService<ReserveCar> cars;
  private JsCarService jsCars;
  private BillingParticipant billing;
  private TripApi tripApi;
  private HikariDataSource flightDb;
  private HikariDataSource hotelDb;
  private HikariDataSource carDb;
  private HikariDataSource tripDb;
  private String uriHost = LOOPBACK;

  private TravelSystem() {}

  /** Starts every part; on failure stops what was started and rethrows. */
  public static TravelSystem start(Config config) {
    return start(config, null);
  }

  /**
   * Starts every part, with the car service in JavaScript behind the saga bridge in place of the
   * Java one when {@code jsCar} is not null (its bridge keeps its inbox in the car database).
   */
  public static TravelSystem start(Config config, JsCarService.Settings jsCar) {
    return start(config, jsCar, Clock.systemUTC());
  }

  /**
   * Starts every part as {@link #start(Config, JsCarService.Settings)} does, with the coordinator
   * and the Java services reading time from {@code clock} (the system clock unless a test moves
   * one).
   */
  public static TravelSystem start(Config config, JsCarService.Settings jsCar, Clock clock) {
    TravelSystem system = new TravelSystem();
    try {
      system.startAll(config, jsCar, clock);
      return system;
    } catch (RuntimeException | IOException e) {
      system.close();
      throw new IllegalStateException("the travel-booking system did not start: " + e, e);
    }
  }

  private void startAll(Config config, JsCarService.Settings jsCar, Clock clock)
      throws IOException {
    ObjectMapper json = JsonMapper.builder().build();
    Map<String, Object> kafka = Map.of("bootstrap.servers", config.kafkaBootstrapServers());
    String bindAddress =
        config.bindAddress() == null || config.bindAddress().isBlank()
            ? LOOPBACK
            : config.bindAddress().strip();
    uriHost = uriHost(bindAddress);

    Map<String, Object> secProperties = new HashMap<>();
    secProperties.put("sec.embedded", "false");
    // the demo says itself what it starts
    secProperties.put("spring.main.banner-mode", "off");
    secProperties.put("spring.datasource.url", config.coordinatorDb().jdbcUrl());
    secProperties.put("spring.datasource.username", config.coordinatorDb().username());
    secProperties.put("spring.datasource.password", config.coordinatorDb().password());
    secProperties.put("sec.kafka.bootstrap-servers", config.kafkaBootstrapServers());
    secProperties.put("server.port", config.coordinatorPort());
    secProperties.put("server.address", bindAddress);
    // the trip service may start trip-booking sagas and read them, nothing else
    String tripKey = randomKey();
    secProperties.put("sec.security.api-keys[0].name", "trip-service");
    secProperties.put("sec.security.api-keys[0].sha256", sha256Hex(tripKey));
    secProperties.put("sec.security.api-keys[0].roles", "STARTER,VIEWER");
    secProperties.put("sec.security.api-keys[0].saga-types", TripSaga.TYPE);
    if (config.coordinatorApiKey() != null) {
      secProperties.put("sec.security.api-keys[1].name", "admin");
      secProperties.put("sec.security.api-keys[1].sha256", sha256Hex(config.coordinatorApiKey()));
      secProperties.put("sec.security.api-keys[1].roles", "ADMIN");
    }
    secProperties.putAll(config.coordinatorProperties());
    SpringApplicationBuilder coordinatorApp =
        new SpringApplicationBuilder(SecApplication.class)
            .properties(secProperties)
            .registerShutdownHook(false);
    if (!clock.equals(Clock.systemUTC())) {
      // a test's clock: the coordinator's step timeouts, back-offs and deadlines run on it
      coordinatorApp.initializers(ctx -> ctx.getBeanFactory().registerSingleton("clock", clock));
    }
    coordinator = coordinatorApp.run();
    toClose.add(coordinator);

    flightDb = pool("flight-service", config.flightDb());
    hotelDb = pool("hotel-service", config.hotelDb());
    carDb = pool("car-service", config.carDb());
    tripDb = pool("trip-service", config.tripDb());

    flights = FlightService.start(kafka, flightDb, clock);
    toClose.add(flights);
    hotels = HotelService.start(kafka, hotelDb, clock);
    toClose.add(hotels);
    if (jsCar == null) {
      cars = CarService.start(kafka, carDb, clock);
      toClose.add(cars);
    } else {
      Database car = config.carDb();
      jsCars =
          JsCarService.start(jsCar, kafka, car.jdbcUrl(), car.username(), car.password(), carDb);
      toClose.add(jsCars);
    }
    billing = BillingParticipant.start(kafka, tripDb, clock);
    toClose.add(billing);

    SagaClient client =
        SagaClient.create(
            SagaClientOptions.newBuilder(coordinatorUri())
                .apiKey(tripKey)
                .jsonMapper(json)
                .build());
    tripApi =
        TripApi.start(
            new InetSocketAddress(bindAddress, config.tripApiPort()), tripDb, client, json, clock);
    toClose.add(tripApi);
  }

  private HikariDataSource pool(String name, Database database) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setJdbcUrl(database.jdbcUrl());
    hikari.setUsername(database.username());
    hikari.setPassword(database.password());
    hikari.setMaximumPoolSize(8);
    HikariDataSource dataSource = new HikariDataSource(hikari);
    toClose.add(dataSource);
    return dataSource;
  }

  /** The hex SHA-256 of a key: what the coordinator is configured with (never the key). */
  static String sha256Hex(String key) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** A random API key (256 bits, base64url). */
  public static String randomKey() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** How a client on this machine reaches a server bound to {@code bindAddress}. */
  private static String uriHost(String bindAddress) {
    InetAddress address;
    try {
      address = InetAddress.getByName(bindAddress);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bind address '" + bindAddress + "' is unknown", e);
    }
    if (address.isAnyLocalAddress()) {
      return "localhost";
    }
    return address instanceof Inet6Address
        ? "[" + address.getHostAddress() + "]"
        : address.getHostAddress();
  }

  public URI coordinatorUri() {
    String port = coordinator.getEnvironment().getProperty("local.server.port");
    return URI.create("http://" + uriHost + ":" + port);
  }

  public URI tripApiUri() {
    return URI.create("http://" + uriHost + ":" + tripApi.port());
  }

  public ConfigurableApplicationContext coordinator() {
    return coordinator;
  }

  public ReservationService<ReserveFlight> flights() {
    return flights;
  }

  public ReservationService<ReserveHotel> hotels() {
    return hotels;
  }

  /** The Java car service, or null when the JavaScript one runs. */
  public ReservationService<ReserveCar> cars() {
    return cars;
  }

  /** The JavaScript car service and its bridge, or null when the Java one runs. */
  public JsCarService jsCars() {
    return jsCars;
  }

  public BillingParticipant billing() {
    return billing;
  }

  public DataSource flightDb() {
    return flightDb;
  }

  public DataSource hotelDb() {
    return hotelDb;
  }

  public DataSource carDb() {
    return carDb;
  }

  public DataSource tripDb() {
    return tripDb;
  }

  /** Stops the API, the participants, the coordinator and the pools, in reverse start order. */
  @Override
  public void close() {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception e) {
        System.err.println("stopping " + toClose.get(i) + " failed: " + e);
      }
    }
    toClose.clear();
  }
}
