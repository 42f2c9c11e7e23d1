package io.sagacoord.server.internal.web;

import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.StartResult;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Start a saga and read one. {@code POST /api/sagas/{type}} with an {@code Idempotency-Key} header
 * and the saga data as the JSON body: 201 with the new saga id, 200 with the same id when the key
 * and body were seen before, 409 when the key came with another body, 404 for an unknown type, 400
 * for invalid data (RFC 9457 problem details; nothing is written).
 */
@RestController
@RequestMapping("/api/sagas")
public class SagaController {

  /** The response body of a start. */
  public record StartResponse(UUID sagaId, boolean created) {}

  private final SagaCoordinator coordinator;

  public SagaController(SagaCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @PostMapping(path = "/{type}", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<StartResponse> start(
      @PathVariable String type,
      @RequestHeader("Idempotency-Key") String idempotencyKey,
      @RequestBody String body) {
    StartResult result = coordinator.start(type, idempotencyKey, body);
    StartResponse response = new StartResponse(result.sagaId(), result.created());
    if (result.created()) {
      return ResponseEntity.created(URI.create("/api/sagas/" + result.sagaId())).body(response);
    }
    return ResponseEntity.ok(response);
  }

  @GetMapping(path = "/{id}")
  public ResponseEntity<?> get(@PathVariable UUID id) {
    return coordinator
        .find(id)
        .<ResponseEntity<?>>map(ResponseEntity::ok)
        .orElseGet(
            () -> {
              ProblemDetail problem =
                  ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "no saga " + id);
              problem.setTitle("Saga not found");
              return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem);
            });
  }
}
