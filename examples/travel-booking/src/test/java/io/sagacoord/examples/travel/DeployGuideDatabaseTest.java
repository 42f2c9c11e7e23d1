package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.examples.travel.demo.TravelSystem;
import io.sagacoord.testkit.PostgresInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Follows the database section of {@code docs/deploy.md} as written: runs its blocks tagged {@code
 * deploy-db} on the test kit's PostgreSQL (the superuser blocks as the superuser, the rest as the
 * roles the doc creates, which are no superusers), starts the coordinator and the services with
 * those roles, loads the shipped inventory as the doc does, and books a trip that completes.
 */
class DeployGuideDatabaseTest {

  private static final Path REPOSITORY = Path.of("../..").toAbsolutePath().normalize();
  private static final Pattern FENCE =
      Pattern.compile("(?m)^```(\\w+) deploy-db\\n(.*?)^```$", Pattern.DOTALL);
  private static final Pattern PSQL_COMMENT =
      Pattern.compile("^-- psql -U (\\S+) -d (\\S+)( .*)?$", Pattern.MULTILINE);
  private static final Pattern PSQL_FILE =
      Pattern.compile("^psql -U (\\S+) -d (\\S+) .*-f (\\S+)$", Pattern.MULTILINE);
  private static final Pattern CREATE_ROLE =
      Pattern.compile("CREATE ROLE (\\w+) LOGIN PASSWORD '([^']*)'");
  private static final Pattern CREATE_DATABASE = Pattern.compile("CREATE DATABASE (\\w+)");
  private static final String SUPERUSER = "postgres";

  private final ObjectMapper json = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, String> passwords = new LinkedHashMap<>();
  private final Set<String> databases = new LinkedHashSet<>();
  private TestDatabase admin;
  private List<Block> blocks;

  /** One tagged block of the guide: its language and its text. */
  private record Block(String language, String text) {}

  @BeforeEach
  void readGuideAndClearLeftovers() throws Exception {
    PostgresInfra postgres = SagaInfra.postgres();
    admin = postgres.newDatabase("deploy_guide");
    String guide = Files.readString(REPOSITORY.resolve("docs/deploy.md"));
    blocks = new ArrayList<>();
    Matcher fence = FENCE.matcher(guide);
    while (fence.find()) {
      blocks.add(new Block(fence.group(1), fence.group(2)));
      Matcher role = CREATE_ROLE.matcher(fence.group(2));
      while (role.find()) {
        passwords.put(role.group(1), role.group(2));
      }
      Matcher database = CREATE_DATABASE.matcher(fence.group(2));
      while (database.find()) {
        databases.add(database.group(1));
      }
    }
    dropWhatTheGuideCreates();
  }

  @AfterEach
  void dropWhatTheGuideCreated() throws SQLException {
    try {
      dropWhatTheGuideCreates();
    } finally {
      admin.close();
    }
  }

  @Test
  void coordinatorAndServicesRunWithTheGuidesRolesAndATripCompletes() throws Exception {
    List<Block> sql = blocks.stream().filter(b -> b.language().equals("sql")).toList();
    List<Block> shell = blocks.stream().filter(b -> b.language().equals("sh")).toList();
    assertThat(sql).as("SQL blocks tagged deploy-db in docs/deploy.md").hasSizeGreaterThan(1);
    assertThat(shell).as("shell blocks tagged deploy-db in docs/deploy.md").hasSize(1);
    assertThat(passwords).containsKeys("sec", "flight", "hotel", "car", "trip");

    for (Block block : sql) {
      Matcher psql = PSQL_COMMENT.matcher(block.text());
      assertThat(psql.find()).as("first line names its psql command: " + block.text()).isTrue();
      run(psql.group(1), psql.group(2), block.text());
    }
    for (String role : passwords.keySet()) {
      assertThat(
              query(
                  SUPERUSER,
                  "postgres",
                  "SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = '"
                      + role
                      + "'"))
          .as("role %s may not act beyond its own schema", role)
          .isEqualTo("f");
    }

    try (TravelSystem system =
        TravelSystem.start(
            new TravelSystem.Config(
                SagaInfra.kafka().bootstrapServers(),
                as("sec", "coordinator"),
                as("flight", "flight_service"),
                as("hotel", "hotel_service"),
                as("car", "car_service"),
                as("trip", "trip_service"),
                0,
                0,
                null,
                Map.of(),
                null))) {
      Matcher load = PSQL_FILE.matcher(shell.get(0).text());
      int files = 0;
      while (load.find()) {
        run(load.group(1), load.group(2), Files.readString(REPOSITORY.resolve(load.group(3))));
        files++;
      }
      assertThat(files).isEqualTo(3);

      UUID trip = book(system.tripApiUri());
      JsonNode shown = awaitEnd(system.tripApiUri(), trip);

      assertThat(shown.path("status").asString()).as(shown.toString()).isEqualTo("COMPLETED");
      assertThat(shown.path("reservations").path("car").asString()).isNotBlank();
    }
    assertThat(
            query(
                SUPERUSER,
                "coordinator",
                "SELECT schemaname || ' ' || tableowner FROM pg_tables"
                    + " WHERE tablename = 'saga_instance'"))
        .isEqualTo("sec sec");
    assertThat(
            query(
                SUPERUSER,
                "flight_service",
                "SELECT schemaname || ' ' || tableowner FROM pg_tables"
                    + " WHERE tablename = 'saga_participant_inbox'"))
        .isEqualTo("flight flight");
  }

  private UUID book(URI tripApi) throws IOException, InterruptedException {
    LocalDate in = LocalDate.now(ZoneOffset.UTC).plusDays(14);
    LocalDate out = in.plusDays(3);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("customer", "Frances");
    body.put("flight", Map.of("flightId", "SK4711", "passenger", "Frances"));
    body.put(
        "hotel",
        Map.of("hotelId", "harbour-hotel", "checkIn", in.toString(), "checkOut", out.toString()));
    body.put(
        "car",
        Map.of("location", "LIS-airport", "pickUp", in.toString(), "dropOff", out.toString()));
    body.put("priceCents", 99_000);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(tripApi.resolve("/trips"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "deploy-guide-1")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return UUID.fromString(json.readTree(response.body()).path("tripId").asString());
  }

  private JsonNode awaitEnd(URI tripApi, UUID trip) {
    URI uri = tripApi.resolve("/trips/" + trip + "?wait=20");
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(120))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              HttpResponse<String> response =
                  http.send(
                      HttpRequest.newBuilder(uri).GET().build(),
                      HttpResponse.BodyHandlers.ofString());
              last[0] = json.readTree(response.body());
              return Set.of("COMPLETED", "COMPENSATED", "FAILED")
                  .contains(last[0].path("status").asString());
            });
    return last[0];
  }

  /** The database of the guide as one of its roles sees it. */
  private TravelSystem.Database as(String role, String database) {
    return new TravelSystem.Database(url(database), role, passwords.get(role));
  }

  /** Runs the statements of a block one by one (CREATE DATABASE takes no transaction block). */
  private void run(String user, String database, String sql) throws SQLException {
    try (Connection connection = connect(user, database);
        Statement statement = connection.createStatement()) {
      for (String command : statements(sql)) {
        statement.execute(command);
      }
    }
  }

  private static List<String> statements(String sql) {
    StringBuilder code = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (!line.strip().startsWith("--")) {
        code.append(line).append('\n');
      }
    }
    List<String> statements = new ArrayList<>();
    for (String statement : code.toString().split(";")) {
      if (!statement.isBlank()) {
        statements.add(statement.strip());
      }
    }
    return statements;
  }

  private String query(String user, String database, String sql) throws SQLException {
    try (Connection connection = connect(user, database);
        PreparedStatement statement = connection.prepareStatement(sql);
        ResultSet rows = statement.executeQuery()) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  /** The guide's superuser is the test kit's; every other user is a role the guide created. */
  private Connection connect(String user, String database) throws SQLException {
    return user.equals(SUPERUSER)
        ? DriverManager.getConnection(url(database), admin.username(), admin.password())
        : DriverManager.getConnection(url(database), user, passwords.get(user));
  }

  /** The test kit's JDBC URL with another database in it. */
  private String url(String database) {
    return admin.jdbcUrl().replaceFirst("^(jdbc:postgresql://[^/]+/)[^?]+", "$1" + database);
  }

  private void dropWhatTheGuideCreates() throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(admin.jdbcUrl(), admin.username(), admin.password());
        Statement statement = connection.createStatement()) {
      for (String database : databases) {
        statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
      for (String role : passwords.keySet()) {
        statement.execute("DROP ROLE IF EXISTS " + role);
      }
    }
  }
}
