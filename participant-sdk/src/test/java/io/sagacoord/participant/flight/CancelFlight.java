package io.sagacoord.participant.flight;

public record CancelFlight(String flight, String passenger) {}
