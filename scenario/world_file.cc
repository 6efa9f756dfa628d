// Writes a scenario's world as a world file (docs/scenarios.md, "World file"), so the world a
// replay used, inferred or given, can be read, edited and passed back with --world.
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "protocol/input_error.h"
#include "protocol/output_file.h"
#include "scenario/scenario.h"

namespace checkride {
namespace {

// The world's money rules (`refunds:`, `payment:`), each only when not the default.
void emit_money_rules(YAML::Emitter& y, const OrchestratorConfig& c) {
  if (c.refund_order != RefundOrder::kProportional || c.refund_to != RefundTo::kOriginal) {
    y << YAML::Key << "refunds" << YAML::Value << YAML::Flow << YAML::BeginMap;
    if (c.refund_order != RefundOrder::kProportional) {
      y << YAML::Key << "order" << YAML::Value
        << (c.refund_order == RefundOrder::kCardFirst ? "card_first" : "stored_value_first");
    }
    if (c.refund_to != RefundTo::kOriginal) {
      y << YAML::Key << "to" << YAML::Value
        << (c.refund_to == RefundTo::kOwnGiftCard ? "own_gift_card" : "any_own");
    }
    y << YAML::EndMap;
  }
  if (c.payment_parts == PaymentParts::kExact) {
    y << YAML::Key << "payment" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
      << "parts" << YAML::Value << "exact" << YAML::EndMap;
  }
}

// `order_rules:` or `booking_rules:` whole, so the dump reads back to the same rules.
void emit_object_rules(YAML::Emitter& y, const char* key, const ObjectRules& r) {
  y << YAML::Key << key << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "statuses" << YAML::Value << YAML::BeginMap;
  for (const auto& status : r.statuses) {
    y << YAML::Key << status.name << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (int op = 1; op < kObjectOperationCount; ++op) {
      if (status.allows_op(static_cast<ObjectOperation>(op)))
        y << std::string(operation_name(static_cast<ObjectOperation>(op)));
    }
    y << YAML::EndSeq;
  }
  y << YAML::EndMap << YAML::Key << "new" << YAML::Value << r.statuses[r.initial].name;
  auto per_operation = [&](const char* name, auto value_of, auto given) {
    bool any = false;
    for (int op = 1; op < kObjectOperationCount; ++op) any = any || given(op);
    if (!any) return;
    y << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (int op = 1; op < kObjectOperationCount; ++op) {
      if (!given(op)) continue;
      y << YAML::Key << std::string(operation_name(static_cast<ObjectOperation>(op))) << YAML::Value
        << value_of(op);
    }
    y << YAML::EndMap;
  };
  per_operation(
      "after", [&](int op) { return r.statuses[r.after[op]].name; },
      [&](int op) { return r.after[op] >= 0; });
  per_operation(
      "at_most", [&](int op) { return r.at_most[op]; }, [&](int op) { return r.at_most[op] > 0; });
  if (!r.cancel_reasons.empty()) {
    y << YAML::Key << "cancel_reasons" << YAML::Value << YAML::Flow << r.cancel_reasons;
  }
  if (r.exchange_within_product) y << YAML::Key << "exchange_within_product" << YAML::Value << true;
  if (!r.partial_returns) y << YAML::Key << "partial_returns" << YAML::Value << false;
  if (!r.partial_exchanges) y << YAML::Key << "partial_exchanges" << YAML::Value << false;
  per_operation(
      "not_within", [&](int op) { return format_duration(r.not_within[op]); },
      [&](int op) { return r.not_within[op] > 0; });
  per_operation(
      "within", [&](int op) { return format_duration(r.within[op]); },
      [&](int op) { return r.within[op] > 0; });
  y << YAML::EndMap;
}

// `extras: {ID: N}` on a seeded booking or order, when it holds any.
void emit_extra_units(YAML::Emitter& y, const ExtraUnits& held) {
  if (held.empty()) return;
  y << YAML::Key << "extras" << YAML::Value << YAML::Flow << YAML::BeginMap;
  for (const auto& [id, units] : held) y << YAML::Key << id << YAML::Value << units;
  y << YAML::EndMap;
}

void emit_paid_stored_value(YAML::Emitter& y, const std::vector<StoredValuePart>& parts) {
  if (parts.empty()) return;
  y << YAML::Key << "paid_stored_value" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : parts) {
    y << YAML::BeginMap << YAML::Key << "id" << YAML::Value << p.id << YAML::Key << "amount_cents"
      << YAML::Value << p.amount << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

// What users held before the sessions: bookings and orders, each key only when it is not
// the default.
void emit_existing(YAML::Emitter& y, const WorldSeed& existing) {
  y << YAML::Key << "bookings" << YAML::Value << YAML::BeginSeq;
  for (const auto& b : existing.bookings) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "reference" << YAML::Value << b.reference;
    if (!b.user.empty()) y << YAML::Key << "user" << YAML::Value << b.user;
    y << YAML::Key << "offer" << YAML::Value << b.offer;
    if (!b.connections.empty()) {
      y << YAML::Key << "connections" << YAML::Value << YAML::Flow << b.connections;
    }
    y << YAML::Key << "seats" << YAML::Value << b.seats;
    if (b.paid > 0) y << YAML::Key << "paid_cents" << YAML::Value << b.paid;
    if (b.status != "confirmed") y << YAML::Key << "status" << YAML::Value << b.status;
    emit_paid_stored_value(y, b.paid_stored_value);
    if (!b.paid_card.empty()) y << YAML::Key << "paid_card" << YAML::Value << b.paid_card;
    emit_extra_units(y, b.extras);
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::Key << "orders" << YAML::Value << YAML::BeginSeq;
  for (const auto& o : existing.orders) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "reference" << YAML::Value << o.reference;
    if (!o.user.empty()) y << YAML::Key << "user" << YAML::Value << o.user;
    y << YAML::Key << "status" << YAML::Value << o.status;
    y << YAML::Key << "items" << YAML::Value << YAML::BeginSeq;
    for (std::size_t i = 0; i < o.items.size(); ++i) {
      y << YAML::BeginMap << YAML::Key << "sku" << YAML::Value << o.items[i].sku << YAML::Key
        << "quantity" << YAML::Value << o.items[i].quantity;
      if (i < o.unit_prices.size() && o.unit_prices[i] >= 0)
        y << YAML::Key << "price_cents" << YAML::Value << o.unit_prices[i];
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
    if (o.paid > 0) y << YAML::Key << "paid_cents" << YAML::Value << o.paid;
    emit_paid_stored_value(y, o.paid_stored_value);
    if (!o.paid_card.empty()) y << YAML::Key << "paid_card" << YAML::Value << o.paid_card;
    if (o.delivered_at > 0)
      y << YAML::Key << "delivered_at" << YAML::Value << format_utc_time(o.delivered_at);
    emit_extra_units(y, o.extras);
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
  if (existing.profiles.empty()) return;
  y << YAML::Key << "profiles" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : existing.profiles) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "user" << YAML::Value << p.user << YAML::Key
      << "details" << YAML::Value << p.details << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

void emit_payment_methods(YAML::Emitter& y, const std::vector<PaymentMethodSpec>& methods) {
  if (methods.empty()) return;
  y << YAML::Key << "payment_methods" << YAML::Value << YAML::BeginSeq;
  for (const auto& m : methods) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "id" << YAML::Value << m.id;
    if (!m.user.empty()) y << YAML::Key << "user" << YAML::Value << m.user;
    y << YAML::Key << "kind" << YAML::Value << m.kind;
    if (!m.brand.empty()) y << YAML::Key << "brand" << YAML::Value << m.brand;
    if (!m.last4.empty()) y << YAML::Key << "last4" << YAML::Value << YAML::DoubleQuoted << m.last4;
    if (m.behaves_as != "pm_card_visa")
      y << YAML::Key << "behaves_as" << YAML::Value << m.behaves_as;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

void emit_allowance(YAML::Emitter& y, const ExtraAllowance& a) {
  y << YAML::Flow << YAML::BeginMap;
  if (!a.cabin.empty()) y << YAML::Key << "cabin" << YAML::Value << a.cabin;
  if (!a.fare_class.empty()) y << YAML::Key << "fare_class" << YAML::Value << a.fare_class;
  if (!a.membership.empty()) y << YAML::Key << "membership" << YAML::Value << a.membership;
  if (a.min_value >= 0) y << YAML::Key << "min_value_cents" << YAML::Value << a.min_value;
  y << YAML::Key << "units" << YAML::Value << a.units << YAML::EndMap;
}

void emit_instrument_rules(YAML::Emitter& y, const std::vector<InstrumentRule>& rules) {
  if (rules.empty()) return;
  y << YAML::Key << "instrument_rules" << YAML::Value << YAML::BeginSeq;
  for (const InstrumentRule& rule : rules) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "prefix" << YAML::Value << rule.prefix
      << YAML::Key << "pays_for" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (int op = 0; op < kObjectOperationCount; ++op) {
      if (!(rule.pays_for & (1u << op))) continue;
      const auto o = static_cast<ObjectOperation>(op);
      if (!takes_payment(o)) continue;
      y << (o == ObjectOperation::kNone ? std::string("purchase") : std::string(operation_name(o)));
    }
    y << YAML::EndSeq;
    if (rule.forfeits_remainder) y << YAML::Key << "remainder" << YAML::Value << "forfeit";
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

// The taxes levied on bookings and orders, when the world states them.
void emit_taxes(YAML::Emitter& y, const Scenario& s) {
  if (s.taxes.empty()) return;
  y << YAML::Key << "taxes" << YAML::Value << YAML::BeginSeq;
  for (const TaxSpec& t : s.taxes) {
    y << YAML::BeginMap << YAML::Key << "id" << YAML::Value << t.id;
    if (t.on_orders) y << YAML::Key << "on" << YAML::Value << "orders";
    if (t.rate_ppm > 0) {
      y << YAML::Key << "rate" << YAML::Value << tax_rate_text(t.rate_ppm);
      y << YAML::Key << "of" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      if (t.of_fares) y << (t.on_orders ? "items" : "fares");
      for (const std::string& e : t.of_extras) y << e;
      y << YAML::EndSeq;
    } else {
      y << YAML::Key << "amount_cents" << YAML::Value << t.amount << YAML::Key << "per"
        << YAML::Value << (t.on_orders ? std::string("order") : std::string(extra_per_name(t.per)));
    }
    if (!t.refundable) y << YAML::Key << "refundable" << YAML::Value << false;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

// The extras sold on bookings and orders and who holds which tier, when the world states them.
void emit_extras(YAML::Emitter& y, const Scenario& s) {
  if (!s.extras.empty()) {
    y << YAML::Key << "extras" << YAML::Value << YAML::BeginSeq;
    for (const ExtraSpec& e : s.extras) {
      y << YAML::BeginMap << YAML::Key << "id" << YAML::Value << e.id << YAML::Key << "price_cents"
        << YAML::Value << e.price << YAML::Key << "per" << YAML::Value
        << std::string(extra_per_name(e.per)) << YAML::Key << "refundable" << YAML::Value
        << e.refundable;
      if (e.on_orders) y << YAML::Key << "on" << YAML::Value << "orders";
      if (!e.free.empty()) {
        y << YAML::Key << "free" << YAML::Value << YAML::BeginSeq;
        for (const ExtraAllowance& a : e.free) emit_allowance(y, a);
        y << YAML::EndSeq;
      }
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  if (s.existing.memberships.empty()) return;
  y << YAML::Key << "memberships" << YAML::Value << YAML::BeginSeq;
  for (const MembershipSpec& m : s.existing.memberships) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "user" << YAML::Value << m.user << YAML::Key
      << "tier" << YAML::Value << m.tier << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

}  // namespace

void write_world_file(const Scenario& s, const std::string& path) {
  YAML::Emitter y;
  y << YAML::BeginMap << YAML::Key << "currency" << YAML::Value << "usd";
  if (s.calendar > 0) y << YAML::Key << "now" << YAML::Value << format_utc_time(s.calendar);
  y << YAML::Key << "skus" << YAML::Value << YAML::BeginSeq;
  for (const auto& sku : s.skus) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "id" << YAML::Value << sku.id << YAML::Key
      << "name" << YAML::Value << sku.name << YAML::Key << "price_cents" << YAML::Value << sku.price
      << YAML::Key << "stock" << YAML::Value << sku.stock;
    if (!sku.product.empty()) y << YAML::Key << "product" << YAML::Value << sku.product;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::Key << "offers" << YAML::Value << YAML::BeginSeq;
  for (const auto& o : s.offers) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "id" << YAML::Value << o.id << YAML::Key
      << "route" << YAML::Value << o.route << YAML::Key << "price_cents" << YAML::Value << o.price
      << YAML::Key << "capacity" << YAML::Value << o.capacity << YAML::Key << "refund_percent"
      << YAML::Value << o.refund_percent;
    if (o.bag_price > 0) y << YAML::Key << "bag_price_cents" << YAML::Value << o.bag_price;
    if (o.change_fee > 0) y << YAML::Key << "change_fee_cents" << YAML::Value << o.change_fee;
    if (!o.status.empty()) y << YAML::Key << "status" << YAML::Value << o.status;
    if (o.departs_at > 0)
      y << YAML::Key << "departs_at" << YAML::Value << format_utc_time(o.departs_at);
    if (!o.cabin.empty()) y << YAML::Key << "cabin" << YAML::Value << o.cabin;
    if (!o.fare_class.empty()) y << YAML::Key << "fare_class" << YAML::Value << o.fare_class;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::Key << "coupons" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : s.coupons) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "code" << YAML::Value << c.code << YAML::Key
      << "off_cents" << YAML::Value << c.off << YAML::Key << "budget_cents" << YAML::Value
      << c.budget << YAML::Key << "per_user" << YAML::Value << c.per_user << YAML::EndMap;
  }
  y << YAML::EndSeq;
  emit_existing(y, s.existing);
  if (!s.existing.stored_value.empty()) {
    y << YAML::Key << "stored_value" << YAML::Value << YAML::BeginSeq;
    for (const auto& v : s.existing.stored_value) {
      y << YAML::Flow << YAML::BeginMap << YAML::Key << "id" << YAML::Value << v.id;
      if (!v.user.empty()) y << YAML::Key << "user" << YAML::Value << v.user;
      y << YAML::Key << "balance_cents" << YAML::Value << v.balance << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  emit_payment_methods(y, s.existing.payment_methods);
  emit_extras(y, s);
  emit_taxes(y, s);
  emit_instrument_rules(y, s.instrument_rules);
  emit_money_rules(y, s.orchestrator);
  if (s.rules_declared) {
    emit_object_rules(y, "order_rules", s.rules.orders);
    emit_object_rules(y, "booking_rules", s.rules.bookings);
  }
  y << YAML::EndMap;
  write_output_file(path,
                    std::string("# checkride world file (docs/scenarios.md): what existed before "
                                "the sessions\n") +
                        y.c_str() + "\n",
                    "world file");
}

}  // namespace checkride
