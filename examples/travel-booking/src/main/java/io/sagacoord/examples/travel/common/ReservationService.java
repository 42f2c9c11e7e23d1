package io.sagacoord.examples.travel.common;

import io.sagacoord.participant.CommandContext;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.Participant;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * What the flight, hotel and car services have in common: a participant with one reserve and one
 * cancel command, its own schema migrated by Flyway into its own database, and a {@link
 * Misbehaviour} that demos and tests can switch at run time.
 *
 * @param <C> the reserve command
 */
public final class ReservationService<C> implements AutoCloseable {

  /** The service's own booking logic for one reserve command. */
  @FunctionalInterface
  public interface Reserve<C> {
    BookingResult reserve(Connection connection, UUID sagaId, C command) throws SQLException;
  }

  /** The service's own cancel logic: finds the saga's reservation and gives it back. */
  @FunctionalInterface
  public interface Cancel {
    boolean cancel(Connection connection, UUID sagaId) throws SQLException;
  }

  /** Everything that tells one reservation service from another. */
  public record Spec<C, X>(
      String participantName,
      String schemaLocation,
      String reserveType,
      Class<C> reserveCommand,
      Function<C, String> resourceKey,
      Reserve<C> reserve,
      Function<String, Object> reply,
      String cancelType,
      Class<X> cancelCommand,
      Cancel cancel) {}

  private final Participant participant;
  private final Clock clock;
  private volatile Misbehaviour misbehaviour = Misbehaviour.NONE;

  private <X> ReservationService(
      Spec<C, X> spec, Map<String, ?> kafka, DataSource dataSource, Clock clock) {
    this.clock = clock;
    migrate(dataSource, spec.schemaLocation(), spec.participantName());
    this.participant =
        Participant.builder(spec.participantName())
            .kafka(kafka)
            .dataSource(dataSource)
            .openTelemetry(ServiceEnvironment.openTelemetry())
            .onCommand(
                spec.reserveType(), spec.reserveCommand(), (ctx, cmd) -> reserve(spec, ctx, cmd))
            .onCompensation(
                spec.cancelType(),
                spec.cancelCommand(),
                (ctx, cmd) -> {
                  spec.cancel().cancel(ctx.connection(), ctx.sagaId());
                  return Outcome.done();
                })
            .build();
  }

  /**
   * Migrates the service's schema, builds and starts its participant; its {@link Misbehaviour}
   * pauses on {@code clock}.
   */
  public static <C, X> ReservationService<C> start(
      Spec<C, X> spec, Map<String, ?> kafka, DataSource dataSource, Clock clock) {
    ReservationService<C> service = new ReservationService<>(spec, kafka, dataSource, clock);
    service.participant.start();
    return service;
  }

  /** Migrates a service's own schema, with a history table of its own. */
  public static void migrate(DataSource dataSource, String location, String serviceName) {
    Flyway.configure()
        .dataSource(dataSource)
        .locations(location)
        .table(serviceName.replace('-', '_') + "_schema_history")
        .baselineOnMigrate(true)
        .load()
        .migrate();
  }

  private <X> Outcome<?> reserve(Spec<C, X> spec, CommandContext context, C command)
      throws SQLException, InterruptedException {
    String refusal = misbehaviour.apply(spec.resourceKey().apply(command), clock);
    if (refusal != null) {
      return Outcome.businessFailure(refusal, "DEMO_FAILURE");
    }
    BookingResult result = spec.reserve().reserve(context.connection(), context.sagaId(), command);
    if (result instanceof BookingResult.Reserved reserved) {
      return Outcome.success(spec.reply().apply(reserved.reservationId().toString()));
    }
    return Outcome.businessFailure(((BookingResult.Refused) result).reason(), "UNAVAILABLE");
  }

  /** Changes how the service misbehaves, from the next command on. */
  public void misbehave(Misbehaviour misbehaviour) {
    this.misbehaviour = java.util.Objects.requireNonNull(misbehaviour, "misbehaviour");
  }

  public Misbehaviour misbehaviour() {
    return misbehaviour;
  }

  public Participant participant() {
    return participant;
  }

  @Override
  public void close() {
    participant.close();
  }
}
