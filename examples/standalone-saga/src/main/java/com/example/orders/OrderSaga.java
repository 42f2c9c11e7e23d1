package com.example.orders;

import com.example.orders.WarehouseMessages.OrderShipped;
import com.example.orders.WarehouseMessages.ReleaseStock;
import com.example.orders.WarehouseMessages.ReserveStock;
import com.example.orders.WarehouseMessages.ShipOrder;
import com.example.orders.WarehouseMessages.StockReserved;
import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.SagaDefinitionProvider;
import java.time.Duration;
import java.util.List;

/**
 * The order saga: reserve the stock, then ship (the pivot). A shipment the warehouse refuses
 * releases the stock again. Listed in {@code
 * META-INF/services/io.sagacoord.dsl.SagaDefinitionProvider}, so the coordinator finds it in its
 * {@code definitions/} folder.
 */
public final class OrderSaga implements SagaDefinitionProvider {

  public static final String TYPE = "order-fulfilment";

  /** The warehouse service; it reads its commands from {@code saga.warehouse.commands}. */
  public static final ParticipantRef WAREHOUSE = ParticipantRef.named("warehouse");

  public static final String RESERVE_STOCK = "stock.reserve";
  public static final String RELEASE_STOCK = "stock.release";
  public static final String SHIP_ORDER = "order.ship";

  /** Public for {@link java.util.ServiceLoader}. */
  public OrderSaga() {}

  @Override
  public List<SagaDefinition<?>> definitions() {
    return List.of(definition());
  }

  public static SagaDefinition<OrderData> definition() {
    return SagaDefinition.named(TYPE, OrderData.class)
        .version(1)
        .deadline(Duration.ofMinutes(5))
        .step("reserve-stock")
        .invoke(WAREHOUSE, RESERVE_STOCK, d -> new ReserveStock(d.orderId(), d.sku(), d.quantity()))
        .onReply(StockReserved.class, (d, r) -> d.withReservation(r.reservationId()))
        .compensateWith(RELEASE_STOCK, d -> new ReleaseStock(d.reservationId()))
        .step("ship-order")
        .invoke(WAREHOUSE, SHIP_ORDER, d -> new ShipOrder(d.orderId(), d.reservationId()))
        .onReply(OrderShipped.class, (d, r) -> d.withShipment(r.shipmentId()))
        .pivot()
        .build();
  }
}
