package io.sagacoord.participant.internal;

/** Reply body of BUSINESS_FAILURE, TECHNICAL_FAILURE and REFUSED: {@code {"reason","code"}}. */
public record FailureBody(String reason, String code) {}
