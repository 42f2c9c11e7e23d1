package io.sagacoord.participant.flight;

public record FlightReserved(long reservationId, String flight) {}
