package io.sagacoord.participant.flight;

import io.sagacoord.participant.CommandContext;
import io.sagacoord.participant.Outcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** The example service: its own table, written through the SDK's transaction connection. */
public final class FlightService {
  public static final String RESERVE = "flight.reserve";
  public static final String CANCEL = "flight.cancel";

  public final AtomicInteger reserveRuns = new AtomicInteger();
  public final AtomicInteger cancelRuns = new AtomicInteger();

  public static void createSchema(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS flight_booking (id bigserial PRIMARY KEY, saga_id uuid NOT"
              + " NULL, flight text NOT NULL, passenger text NOT NULL, status text NOT NULL)");
    }
  }

  public Outcome<FlightReserved> reserve(CommandContext ctx, ReserveFlight cmd)
      throws SQLException {
    reserveRuns.incrementAndGet();
    if (cmd.flight().equals("FULL")) {
      insert(ctx, cmd);
      // the insert above must be rolled back with the business failure
      return Outcome.businessFailure("flight FULL has no seat left", "NO_SEAT");
    }
    return Outcome.success(new FlightReserved(insert(ctx, cmd), cmd.flight()));
  }

  public Outcome<Void> cancel(CommandContext ctx, CancelFlight cmd) throws SQLException {
    cancelRuns.incrementAndGet();
    try (PreparedStatement ps =
        ctx.connection()
            .prepareStatement("UPDATE flight_booking SET status = 'CANCELLED' WHERE saga_id = ?")) {
      ps.setObject(1, ctx.sagaId());
      ps.executeUpdate();
    }
    return Outcome.done();
  }

  private static long insert(CommandContext ctx, ReserveFlight cmd) throws SQLException {
    try (PreparedStatement ps =
        ctx.connection()
            .prepareStatement(
                "INSERT INTO flight_booking (saga_id, flight, passenger, status)"
                    + " VALUES (?, ?, ?, 'RESERVED') RETURNING id")) {
      ps.setObject(1, ctx.sagaId());
      ps.setString(2, cmd.flight());
      ps.setString(3, cmd.passenger());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
