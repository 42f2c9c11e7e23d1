package io.sagacoord.participant.flight;

public record ReserveFlight(String flight, String passenger) {}
