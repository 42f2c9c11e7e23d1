package io.sagacoord.participant;

/**
 * Handles one command type (forward or compensation). It runs inside the SDK's database
 * transaction, under a savepoint: do the service's work on {@link CommandContext#connection()} (or,
 * in Spring, through a {@code JdbcTemplate} / {@code @Transactional} bean, which join the same
 * transaction) and never commit, roll back or close that connection yourself.
 *
 * <p>An exception rolls back this command's work and is retried a bounded number of times (see
 * {@link LocalRetryPolicy}); a {@link Outcome.BusinessFailure} rolls back and is answered at once.
 *
 * @param <C> the command record type, read from the JSON body
 */
@FunctionalInterface
public interface CommandHandler<C> {

  /** Does (or undoes) the step and says how it went. Must not return null. */
  Outcome<?> handle(CommandContext context, C command) throws Exception;
}
