package com.example.orders;

/** The commands the order saga sends to the warehouse, and the warehouse's replies. */
public final class WarehouseMessages {

  private WarehouseMessages() {}

  public record ReserveStock(String orderId, String sku, int quantity) {}

  public record StockReserved(String reservationId) {}

  public record ReleaseStock(String reservationId) {}

  public record ShipOrder(String orderId, String reservationId) {}

  public record OrderShipped(String shipmentId) {}

  public record Refusal(String reason) {}
}
