package com.example.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.example.orders.WarehouseMessages.OrderShipped;
import com.example.orders.WarehouseMessages.Refusal;
import com.example.orders.WarehouseMessages.ReleaseStock;
import com.example.orders.WarehouseMessages.StockReserved;
import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.dsl.testing.SagaHarness;
import org.junit.jupiter.api.Test;

/**
 * The order saga given/expect, without infrastructure. The harness encodes data, commands and
 * replies as JSON with the codec it finds on the class path (saga-json-jackson).
 */
class OrderSagaTest {

  private final OrderData order = OrderData.of("o-1", "book-42", 2);

  @Test
  void reservedStockIsShippedAndTheOrderCompletes() {
    SagaHarness<OrderData> saga = SagaHarness.given(OrderSaga.definition()).start(order);

    saga.expectCommand("warehouse", OrderSaga.RESERVE_STOCK)
        .replySuccess(new StockReserved("r-7"));
    saga.expectCommand("warehouse", OrderSaga.SHIP_ORDER).replySuccess(new OrderShipped("s-9"));

    saga.expectStatus(SagaStatus.COMPLETED)
        .expectData(d -> assertEquals("s-9", d.shipmentId()))
        .expectReplayReproducesState();
  }

  @Test
  void refusedShipmentReleasesTheReservedStock() {
    SagaHarness<OrderData> saga = SagaHarness.given(OrderSaga.definition()).start(order);

    saga.expectCommand("warehouse", OrderSaga.RESERVE_STOCK)
        .replySuccess(new StockReserved("r-7"));
    saga.expectCommand("warehouse", OrderSaga.SHIP_ORDER)
        .replyBusinessFailure(new Refusal("address unknown"));

    saga.expectCompensation("warehouse", OrderSaga.RELEASE_STOCK)
        .withPayload(ReleaseStock.class, c -> assertEquals("r-7", c.reservationId()))
        .replySuccess();
    saga.expectStatus(SagaStatus.COMPENSATED).expectReplayReproducesState();
  }
}
