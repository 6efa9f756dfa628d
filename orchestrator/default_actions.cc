#include "orchestrator/action_catalog.h"

namespace checkride {

// The shipped default catalog: eight actions in the shape most commerce agents use.
const char* ActionCatalog::default_yaml() {
  return R"YAML(
actions:
  - name: searchCatalog
    handler: search_catalog
    scopes: [catalog:read]
    params:
      type: object
      required: [query]
      additionalProperties: false
      properties:
        query: {type: string, maxLength: 200}
    map: {query: /query}

  - name: previewOrder
    handler: preview_order
    scopes: [catalog:read]
    params: &order_params
      type: object
      required: [items]
      additionalProperties: false
      properties:
        items:
          type: array
          minItems: 1
          maxItems: 20
          items:
            type: object
            required: [sku, quantity]
            additionalProperties: false
            properties:
              sku: {type: string, minLength: 1, maxLength: 64}
              quantity: {type: integer, minimum: 1}
        coupon: {type: string, maxLength: 32}
        max_total_cents: {type: integer, minimum: 0}
        payment_method: {type: string}
    map: {items: /items, coupon: /coupon}

  - name: placeOrder
    handler: place_order
    charge: true
    scopes: [orders:write, payments:charge]
    params: *order_params
    map: {items: /items, coupon: /coupon, max_total: /max_total_cents}

  - name: cancelOrder
    handler: cancel_order
    scopes: [orders:write]
    params:
      type: object
      required: [order_id]
      additionalProperties: false
      properties:
        order_id: {type: string, pattern: "^ord_"}
        reason: {type: string}
    map: {reference: /order_id}

  - name: searchAvailability
    handler: search_availability
    scopes: [catalog:read]
    params:
      type: object
      required: [route]
      additionalProperties: false
      properties:
        route: {type: string, minLength: 3}
        passengers: {type: integer, minimum: 1, maximum: 9}
    map: {query: /route}

  - name: createBooking
    handler: create_booking
    scopes: [bookings:write]
    params:
      type: object
      required: [offer_id]
      additionalProperties: false
      properties:
        offer_id: {type: string, minLength: 1}
        passengers: {type: integer, minimum: 1, maximum: 9}
    map: {offer: /offer_id, seats: /passengers}

  - name: confirmBooking
    handler: confirm_booking
    charge: true
    scopes: [bookings:write, payments:charge]
    params:
      type: object
      required: [booking_id]
      additionalProperties: false
      properties:
        booking_id: {type: string, pattern: "^bk_"}
        max_total_cents: {type: integer, minimum: 0}
        payment_method: {type: string}
    map: {reference: /booking_id, max_total: /max_total_cents}

  - name: cancelBooking
    handler: cancel_booking
    scopes: [bookings:write]
    params:
      type: object
      required: [booking_id]
      additionalProperties: false
      properties:
        booking_id: {type: string, pattern: "^bk_"}
    map: {reference: /booking_id}
)YAML";
}

}  // namespace checkride
