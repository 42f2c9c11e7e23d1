package com.example.orders;

/**
 * The data of one order saga: what the customer ordered, and what the warehouse answered.
 *
 * @param orderId the shop's order number
 * @param sku the article
 * @param quantity how many
 * @param reservationId the warehouse's stock reservation, once made
 * @param shipmentId the warehouse's shipment, once shipped
 */
public record OrderData(
    String orderId, String sku, int quantity, String reservationId, String shipmentId) {

  /** A new order, nothing reserved or shipped yet. */
  public static OrderData of(String orderId, String sku, int quantity) {
    return new OrderData(orderId, sku, quantity, null, null);
  }

  public OrderData withReservation(String id) {
    return new OrderData(orderId, sku, quantity, id, shipmentId);
  }

  public OrderData withShipment(String id) {
    return new OrderData(orderId, sku, quantity, reservationId, id);
  }
}
