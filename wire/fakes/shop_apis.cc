// Catalog and bookings as JSON APIs (docs/catalog.openapi.yaml, docs/bookings.openapi.yaml).
// Each route turns its JSON into the provider request the simulator would deliver, runs it
// through the one world, and answers the reply as JSON: one code path for both modes.
#include <httplib.h>

#include "protocol/json_input.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

struct Decoded {
  ProviderRequest request;
  std::string error;  // empty when the body was understood
  std::string param;
};

using Decoder = void (*)(const httplib::Request&, const nlohmann::json&, FakeState&, Decoded&);

const char* object_prefix(Op op) {
  switch (op) {
    case Op::kReserve:
    case Op::kRelease:
      return "res";
    case Op::kCommit:
    case Op::kCancelOrder:
    case Op::kFindOrder:
    case Op::kUpdateOrder:
    case Op::kReturnItems:
    case Op::kQuoteItemSwap:
    case Op::kSwapItems:
    case Op::kRepayOrder:
      return "ord";
    case Op::kDebit:
    case Op::kCredit:
      return "svd";
    case Op::kBalance:
    case Op::kIssueCredit:
    case Op::kDeposit:
      return "sv";
    default:
      return "hold";
  }
}

// A search's answer: the SKUs it found, with what the catalog says of each now.
nlohmann::json found_skus(FakeState& state, const ProviderReply& r) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& id : r.found) {
    for (const auto& sku : state.world().catalog.skus()) {
      if (sku.spec.id == id) {
        data.push_back({{"id", id},
                        {"name", sku.spec.name},
                        {"price", sku.spec.price},
                        {"currency", "usd"},
                        {"available", sku.available}});
      }
    }
  }
  return {{"object", "list"}, {"data", data}};
}

// An availability search's answer: the offers it found, in the order the world lists them.
nlohmann::json found_offers(FakeState& state, const ProviderReply& r) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& o : state.world().bookings.offers()) {
    for (const auto& id : r.found) {
      if (o.spec.id == id) {
        data.push_back({{"id", id},
                        {"route", o.spec.route},
                        {"price", o.spec.price},
                        {"currency", "usd"},
                        {"available", o.available},
                        {"refund_percent", o.spec.refund_percent}});
      }
    }
  }
  return {{"object", "list"}, {"data", data}};
}

// A booking or an order looked up: its total and what paid it.
void add_lookup(Op op, const ProviderReply& r, nlohmann::json& j) {
  j["object"] = op == Op::kFindOrder ? "order" : "booking";
  j["total"] = r.amount;
  j["currency"] = "usd";
  // The operation the lookup named, refused now by the world's rules (its status, a limit).
  if (r.refusal != ErrorCode::kNone) j["refusal"] = std::string(error_name(r.refusal));
  if (r.paid_with != 0) j["payment_intent"] = wire_name("pi", r.paid_with);
  if (!r.paid_by.empty()) j["paid_by"] = r.paid_by;
  if (r.paid_debits.empty()) return;
  j["stored_value_debits"] = nlohmann::json::array();
  for (const auto& [debit, amount] : r.paid_debits) {
    j["stored_value_debits"].push_back({{"id", wire_name("svd", debit)}, {"amount", amount}});
  }
}

// The amount fields of an op's answer, each under the name its API gives it.
void add_amounts(Op op, const ProviderReply& r, nlohmann::json& j) {
  if (op == Op::kQuote || op == Op::kReserve || op == Op::kCommit) {
    j["total"] = r.amount;
    j["discount"] = r.discount;
    j["currency"] = "usd";
  } else if (op == Op::kHold || op == Op::kConfirm || op == Op::kQuoteExtras ||
             op == Op::kAddExtras) {
    j["total"] = r.amount;
    j["currency"] = "usd";
  } else if (op == Op::kCancelQuote || op == Op::kCancelConfirm || op == Op::kReturnItems) {
    j["refund_amount"] = r.amount;
  } else if (op == Op::kCancelOrder) {
    j["total"] = r.amount;
  } else if (op == Op::kQuoteExchange || op == Op::kExchange || op == Op::kQuoteItemSwap ||
             op == Op::kSwapItems) {
    j["difference"] = r.amount;  // negative: owed back to what paid the booking
    j["currency"] = "usd";
  } else if (op == Op::kBalance || op == Op::kIssueCredit) {
    j["object"] = "stored_value";
    j["balance"] = r.amount;
    j["currency"] = "usd";
  } else if (op == Op::kDeposit) {
    j["object"] = "stored_value_deposit";
    j["amount"] = r.amount;
    j["currency"] = "usd";
  } else if (op == Op::kDebit || op == Op::kCredit) {
    j["object"] = "stored_value_debit";
    j[op == Op::kDebit ? "amount" : "amount_credited"] = r.amount;
    j["currency"] = "usd";
  } else if (op == Op::kFindBooking || op == Op::kFindOrder) {
    add_lookup(op, r, j);
  }
}

nlohmann::json reply_json(FakeState& state, Op op, const ProviderReply& r, Time now) {
  if (op == Op::kSearch) return found_skus(state, r);
  if (op == Op::kAvailability) return found_offers(state, r);
  nlohmann::json j = {{"status", std::string(r.status)}};
  if (r.id != 0) j["id"] = wire_name(object_prefix(op), r.id);
  add_amounts(op, r, j);
  if (r.expires_at > 0) {
    // Relative, so a client on another clock knows when it lapses.
    j[op == Op::kHold ? "payment_required_in_ms" : "expires_in_ms"] = r.expires_at - now;
  }
  return j;
}

void items_of(const nlohmann::json& body, Decoded& d) {
  if (!body.contains("items") || !body["items"].is_array() || body["items"].empty()) {
    d.error = "expected items: a non-empty list of {sku, quantity}";
    d.param = "items";
    return;
  }
  for (std::size_t i = 0; i < body["items"].size(); ++i) {
    const auto& it = body["items"][i];
    if (!it.is_object() || !it.contains("sku") || !it["sku"].is_string() ||
        !it.contains("quantity") || !it["quantity"].is_number_integer() ||
        it["quantity"].get<int64_t>() <= 0 || it["quantity"].get<int64_t>() > 1000000) {
      d.error = "expected {sku: string, quantity: positive integer}";
      d.param = "items[" + std::to_string(i) + "]";
      return;
    }
    d.request.items.push_back(
        LineItem{it["sku"].get<std::string>(), it["quantity"].get<int32_t>()});
  }
  if (body.contains("coupon")) {
    if (!body["coupon"].is_string()) {
      d.error = "expected coupon: a string";
      d.param = "coupon";
      return;
    }
    d.request.coupon = body["coupon"].get<std::string>();
  }
}

void customer_of(const nlohmann::json& body, Decoded& d) {
  if (!body.contains("customer")) return;
  if (!body["customer"].is_string() ||
      !parse_wire_name(body["customer"].get<std::string>(), "user", d.request.user)) {
    d.error = "expected customer: \"user_<n>\"";
    d.param = "customer";
  }
}

void ttl_of(const nlohmann::json& body, Duration fallback, Decoded& d) {
  d.request.ttl = fallback;
  if (!body.contains("ttl_seconds")) return;
  if (!body["ttl_seconds"].is_number_integer() || body["ttl_seconds"].get<int64_t>() <= 0) {
    d.error = "expected ttl_seconds: a positive integer";
    d.param = "ttl_seconds";
    return;
  }
  d.request.ttl = body["ttl_seconds"].get<int64_t>() * kSecond;
}

// The object an action route acts on, from the path ("res_3", "ord_2", "hold_5").
void ref_of(const httplib::Request& req, Op op, Decoded& d) {
  if (!parse_wire_name(req.matches[1].str(), object_prefix(op), d.request.ref)) {
    d.error = "expected an id like " + wire_name(object_prefix(op), 1) + " in the path";
    d.param = "id";
  }
}

// A lookup by the provider's own reference (in the path), for the customer in the query.
void reference_of(const httplib::Request& req, const nlohmann::json&, FakeState&, Decoded& d) {
  d.request.text = req.matches[1].str();
  if (!req.has_param("customer")) return;
  if (!parse_wire_name(req.get_param_value("customer"), "user", d.request.user)) {
    d.error = "expected customer: \"user_<n>\"";
    d.param = "customer";
  }
}

// A swap's lines: {sku, quantity}, a negative quantity leaving the order, a positive one
// joining it.
void swap_lines_of(const nlohmann::json& body, Decoded& d) {
  if (!body.contains("items") || !body["items"].is_array() || body["items"].empty() ||
      body["items"].size() > 100) {
    d.error = "expected items: 1 to 100 {sku, quantity}, negative to leave the order";
    d.param = "items";
    return;
  }
  for (std::size_t i = 0; i < body["items"].size(); ++i) {
    const auto& it = body["items"][i];
    int64_t q = it.is_object() ? int_field(it, "quantity", 0) : 0;
    if (!it.is_object() || !it.contains("sku") || !it["sku"].is_string() ||
        !it.contains("quantity") || !it["quantity"].is_number_integer() || q == 0 || q < -1000000 ||
        q > 1000000) {
      d.error = "expected {sku: string, quantity: a non-zero integer}";
      d.param = "items[" + std::to_string(i) + "]";
      return;
    }
    d.request.items.push_back(LineItem{it["sku"].get<std::string>(), static_cast<int32_t>(q)});
  }
}

// An itinerary's further flights (offer ids), each for the same passengers as the first.
void connections_of(const nlohmann::json& body, int32_t seats, Decoded& d) {
  if (!body.contains("connections")) return;
  const auto& list = body["connections"];
  if (!list.is_array() || list.size() > 15) {
    d.error = "expected connections: a list of at most 15 offer ids";
    d.param = "connections";
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string() || list[i].get_ref<const std::string&>().empty()) {
      d.error = "expected an offer id";
      d.param = "connections[" + std::to_string(i) + "]";
      return;
    }
    d.request.items.push_back(LineItem{list[i].get<std::string>(), seats});
  }
}

// A split payment's other part: stored-value debits ("svd_<n>") that pay the hold too.
void debits_of(const nlohmann::json& body, Decoded& d) {
  if (!body.contains("stored_value_debits")) return;
  const auto& list = body["stored_value_debits"];
  if (!list.is_array() || list.size() > 16) {
    d.error = "expected stored_value_debits: a list of at most 16 \"svd_<n>\"";
    d.param = "stored_value_debits";
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    ObjectId id = 0;
    if (!list[i].is_string() || !parse_wire_name(list[i].get<std::string>(), "svd", id)) {
      d.error = "expected \"svd_<n>\"";
      d.param = "stored_value_debits[" + std::to_string(i) + "]";
      return;
    }
    d.request.debits.push_back(id);
  }
}

// What pays a charge on something that exists: stored-value debits and/or an authorized
// payment intent, each optional (the provider checks they cover the price).
void payment_of(const nlohmann::json& body, Decoded& d) {
  debits_of(body, d);
  if (!d.error.empty() || !body.contains("payment_intent")) return;
  if (!body["payment_intent"].is_string() ||
      !parse_wire_name(body["payment_intent"].get<std::string>(), "pi", d.request.payment)) {
    d.error = "expected payment_intent: \"pi_<n>\"";
    d.param = "payment_intent";
  }
}

// An amount in cents: a positive integer, at most ten billion dollars.
void amount_of(const nlohmann::json& body, Decoded& d) {
  int64_t amount = int_field(body, "amount", 0);
  if (!body.contains("amount") || !body["amount"].is_number_integer() || amount <= 0 ||
      amount > (int64_t{1} << 40)) {
    d.error = "expected amount: a positive integer of cents";
    d.param = "amount";
  }
  d.request.amount = amount;
}

// A stored-value instrument by its own name, in the path.
void instrument_of(const httplib::Request& req, Decoded& d) {
  d.request.text = req.matches[1].str();
  if (d.request.text.empty() || d.request.text.size() > 256) {
    d.error = "expected an instrument name of 1 to 256 characters in the path";
    d.param = "instrument";
  }
}

// What a call on an order or booking is part of, and a cancel's reason (the world's rules
// apply to them): in the body of a POST, in the query of a lookup. Both optional.
void operation_of(const httplib::Request& req, const nlohmann::json& body, Decoded& d) {
  auto field = [&](const char* name, std::string& out) {
    if (req.has_param(name)) {
      out = req.get_param_value(name);
      return true;
    }
    if (!body.contains(name)) return false;
    if (!body[name].is_string() || body[name].get<std::string>().size() > 200) {
      d.error = std::string("expected ") + name + ": a string of at most 200 characters";
      d.param = name;
      return false;
    }
    out = body[name].get<std::string>();
    return true;
  };
  std::string name;
  if (field("operation", name) && !parse_operation(name, d.request.operation)) {
    d.error =
        "expected operation: one of cancel, return, exchange, modify_items, "
        "change_details, change_payment, change_flights, add_extras, undo; got '" +
        name + "'";
    d.param = "operation";
    return;
  }
  if (d.error.empty()) field("reason", d.request.reason);
}

void serve_json(FakeState& state, Op op, Decoder decode, const httplib::Request& req,
                httplib::Response& res) {
  nlohmann::json body = nlohmann::json::object();
  if (!req.body.empty()) {
    body = parse_json_or_discarded(req.body);
    if (body.is_discarded() || !body.is_object()) {
      return send_answer(error_answer(ErrorStyle::kJson, ErrorCode::kBadRequest, 400,
                                      "expected a JSON object body"),
                         res);
    }
  }
  Decoded d;
  d.request.op = op;
  decode(req, body, state, d);
  if (d.error.empty()) operation_of(req, body, d);
  if (!d.error.empty()) {
    return send_answer(
        error_answer(ErrorStyle::kJson, ErrorCode::kBadRequest, 400, d.error, d.param), res);
  }
  std::string bearer = credential_of(req);
  serve_call(state, op, ErrorStyle::kJson, req, res, [&](Time now) {
    d.request.access_token = state.token_id(bearer);
    // Keys are the wire's business (HttpIdempotency); the fake sees each execution once.
    // Stored value lives on the payments face, which also takes a Stripe secret key.
    bool stored_value = op == Op::kBalance || op == Op::kDebit || op == Op::kCredit ||
                        op == Op::kIssueCredit || op == Op::kDeposit;
    ProviderReply r = stored_value && bearer.rfind("sk_test_", 0) == 0
                          ? state.world().stored_value.act(d.request, now)
                          : state.world().handle(d.request, now, now);
    if (!r.ok()) {
      return error_answer(ErrorStyle::kJson, r.error, http_status_of(r.error),
                          std::string(error_name(r.error)) +
                              (r.status.empty() ? "" : " (" + std::string(r.status) + ")"));
    }
    nlohmann::json j = reply_json(state, op, r, now);
    if (op == Op::kReserve || op == Op::kHold) j["__object"] = r.id;  // for hold_expiry
    return WireAnswer{op == Op::kReserve || op == Op::kCommit || op == Op::kHold ||
                              op == Op::kDebit || op == Op::kIssueCredit || op == Op::kDeposit
                          ? 201
                          : 200,
                      j,
                      {}};
  });
}

// The decoders of each route's request, by what it carries.
using Req = httplib::Request;
using Body = nlohmann::json;

// The world's extras by id, each at its new count: {"checked_bag": 3} on a booking,
// {"gift_wrap": 1} on an order.
bool declared_extras_of(const Body& b, Decoded& d) {
  const Body& extras = b.at("extras");
  if (!extras.is_object() || extras.empty() || extras.size() > 16) {
    d.error = "expected extras: an object of 1 to 16 extra ids, each at its new count";
    d.param = "extras";
    return false;
  }
  for (const auto& [id, n] : extras.items()) {
    if (id.empty() || id.size() > 64 || !n.is_number_integer() || n.get<int64_t>() < 0 ||
        n.get<int64_t>() > 1000) {
      d.error = "expected extras." + id.substr(0, 64) + ": an integer from 0 to 1000";
      d.param = "extras";
      return false;
    }
    d.request.extras.push_back(LineItem{id, n.get<int32_t>()});  // sorted: a JSON object's order
  }
  return true;
}

void decode_search(const Req& req, const Body&, FakeState&, Decoded& d) {
  d.request.text = req.has_param("query") ? req.get_param_value("query") : "";
}

// Items, and the world's extras bought with them (gift wrap), when the body names any.
void items_and_extras_of(const Body& b, Decoded& d) {
  items_of(b, d);
  if (d.error.empty() && b.is_object() && b.contains("extras")) declared_extras_of(b, d);
}

void decode_quote(const Req&, const Body& b, FakeState&, Decoded& d) {
  items_and_extras_of(b, d);
  customer_of(b, d);
}

void decode_reserve(const Req&, const Body& b, FakeState&, Decoded& d) {
  items_and_extras_of(b, d);
  customer_of(b, d);
  ttl_of(b, 10 * kMinute, d);
}

// Only the object named in the path: a release, a cancel, a quote of one.
void decode_ref_only(const Req& req, const Body&, FakeState&, Decoded& d) {
  ref_of(req, d.request.op, d);
}

void decode_commit(const Req&, const Body& b, FakeState&, Decoded& d) {
  customer_of(b, d);
  debits_of(b, d);  // a split payment's stored-value part, for the record
  if (!d.error.empty()) return;
  if (!b.contains("reservation")) {
    items_and_extras_of(b, d);  // a direct sale, without a reservation
    return;
  }
  if (!b["reservation"].is_string() ||
      !parse_wire_name(b["reservation"].get<std::string>(), "res", d.request.ref)) {
    d.error = "expected reservation: \"res_<n>\"";
    d.param = "reservation";
  }
}

// The new details a change brings: a string of 1 to 4096 characters.
void details_of(const Body& b, Decoded& d) {
  if (!b.contains("details") || !b["details"].is_string() ||
      b["details"].get_ref<const std::string&>().empty() ||
      b["details"].get_ref<const std::string&>().size() > 4096) {
    d.error = "expected details: the new details, 1 to 4096 characters";
    d.param = "details";
    return;
  }
  d.request.text = b["details"].get<std::string>();
}

void decode_order_details(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, Op::kUpdateOrder, d);
  customer_of(b, d);
  if (d.error.empty()) details_of(b, d);
}

// A customer's own details: the customer is in the path, the details in the body.
void decode_profile(const Req& req, const Body& b, FakeState&, Decoded& d) {
  if (!parse_wire_name(req.matches[1].str(), "user", d.request.user)) {
    d.error = "expected a customer like user_1 in the path";
    d.param = "customer";
    return;
  }
  details_of(b, d);
}

void decode_item_swap(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, d.request.op, d);
  customer_of(b, d);
  if (d.error.empty()) swap_lines_of(b, d);
  if (d.error.empty() && d.request.op == Op::kSwapItems) payment_of(b, d);
}

void decode_repay(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, Op::kRepayOrder, d);
  customer_of(b, d);
  if (d.error.empty()) payment_of(b, d);
}

void decode_return(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, Op::kReturnItems, d);
  customer_of(b, d);
  if (d.error.empty()) items_of(b, d);
}

void decode_availability(const Req& req, const Body&, FakeState&, Decoded& d) {
  d.request.text = req.has_param("route") ? req.get_param_value("route") : "";
}

void decode_hold(const Req&, const Body& b, FakeState&, Decoded& d) {
  customer_of(b, d);
  if (!b.contains("offer") || !b["offer"].is_string()) {
    d.error = "expected offer: an offer id";
    d.param = "offer";
    return;
  }
  d.request.text = b["offer"].get<std::string>();
  int64_t seats = int_field(b, "seats", 1);
  if (seats <= 0 || seats > 1000) {
    d.error = "expected seats: 1 to 1000";
    d.param = "seats";
  }
  d.request.items = {LineItem{"", static_cast<int32_t>(seats)}};
  connections_of(b, static_cast<int32_t>(seats), d);
  if (d.error.empty() && b.contains("extras") && !declared_extras_of(b, d)) return;
  if (d.error.empty()) ttl_of(b, 20 * kMinute, d);
}

void decode_confirm(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, Op::kConfirm, d);
  debits_of(b, d);
  if (!d.error.empty()) return;
  bool split = !d.request.debits.empty();
  if (split && !b.contains("payment_intent")) return;  // stored value pays it all
  if (!b.contains("payment_intent") || !b["payment_intent"].is_string() ||
      !parse_wire_name(b["payment_intent"].get<std::string>(), "pi", d.request.payment)) {
    d.error = "expected payment_intent: \"pi_<n>\", authorized for the hold's total";
    d.param = "payment_intent";
  }
}

void decode_passengers(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, Op::kUpdateBooking, d);
  customer_of(b, d);
  int64_t seats = int_field(b, "seats", 0);
  if (seats <= 0 || seats > 1000) {
    d.error = "expected seats: the passenger count, 1 to 1000";
    d.param = "seats";
  }
  d.request.items = {LineItem{"", static_cast<int32_t>(seats)}};
}

// A change of flights, quoted or done (the exchange itself says how the difference is paid).
void decode_exchange(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, d.request.op, d);
  customer_of(b, d);
  if (!d.error.empty()) return;
  if (!b.contains("offer") || !b["offer"].is_string()) {
    d.error = "expected offer: the new first flight's offer id";
    d.param = "offer";
    return;
  }
  d.request.text = b["offer"].get<std::string>();
  d.request.items = {LineItem{"", 1}};
  connections_of(b, 1, d);
  if (d.request.op != Op::kExchange || !d.error.empty()) return;
  payment_of(b, d);
}

// Extras, quoted or added (adding them says how they are paid): the world's declared extras
// by id, or a count of paid checked bags.
void decode_extras(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, d.request.op, d);
  customer_of(b, d);
  if (b.is_object() && b.contains("extras")) {
    if (!declared_extras_of(b, d)) return;
  } else {
    int64_t bags = int_field(b, "bags", 0);
    if (d.error.empty() && (bags < 0 || bags > 20)) {
      d.error = "expected bags: 0 to 20 paid checked bags per passenger (0: only free ones)";
      d.param = "bags";
      return;
    }
    d.request.items = {LineItem{"", static_cast<int32_t>(bags)}};
  }
  if (d.request.op != Op::kAddExtras || !d.error.empty()) return;
  payment_of(b, d);
}

void decode_balance(const Req& req, const Body&, FakeState&, Decoded& d) {
  instrument_of(req, d);
  if (!req.has_param("customer")) return;
  if (!parse_wire_name(req.get_param_value("customer"), "user", d.request.user)) {
    d.error = "expected customer: \"user_<n>\"";
    d.param = "customer";
  }
}

void decode_issue_credit(const Req&, const Body& b, FakeState&, Decoded& d) {
  customer_of(b, d);
  if (d.error.empty()) amount_of(b, d);
}

void decode_debit(const Req& req, const Body& b, FakeState&, Decoded& d) {
  instrument_of(req, d);
  customer_of(b, d);
  if (d.error.empty()) amount_of(b, d);
}

void decode_credit(const Req& req, const Body& b, FakeState&, Decoded& d) {
  ref_of(req, Op::kCredit, d);
  customer_of(b, d);
  if (d.error.empty()) amount_of(b, d);
}

// One JSON route of a face: its method, path pattern, op and request decoder.
struct JsonRoute {
  bool post;
  const char* pattern;
  Op op;
  Decoder decode;
};

const JsonRoute kCatalogRoutes[] = {
    {false, "/v1/products", Op::kSearch, decode_search},
    {true, "/v1/quotes", Op::kQuote, decode_quote},
    {true, "/v1/reservations", Op::kReserve, decode_reserve},
    {true, R"(/v1/reservations/([^/]+)/release)", Op::kRelease, decode_ref_only},
    {true, "/v1/orders", Op::kCommit, decode_commit},
    {false, R"(/v1/orders/([^/]+))", Op::kFindOrder, reference_of},
    {true, R"(/v1/orders/([^/]+)/details)", Op::kUpdateOrder, decode_order_details},
    {true, R"(/v1/orders/([^/]+)/item_swaps/quote)", Op::kQuoteItemSwap, decode_item_swap},
    {true, R"(/v1/orders/([^/]+)/item_swaps)", Op::kSwapItems, decode_item_swap},
    {true, R"(/v1/orders/([^/]+)/payment)", Op::kRepayOrder, decode_repay},
    {true, R"(/v1/orders/([^/]+)/returns)", Op::kReturnItems, decode_return},
    {true, R"(/v1/orders/([^/]+)/cancel)", Op::kCancelOrder, decode_ref_only},
    {true, R"(/v1/customers/([^/]+)/profile)", Op::kUpdateProfile, decode_profile},
};

const JsonRoute kBookingRoutes[] = {
    {false, "/v1/offers", Op::kAvailability, decode_availability},
    {false, R"(/v1/bookings/([^/]+))", Op::kFindBooking, reference_of},
    {true, "/v1/holds", Op::kHold, decode_hold},
    {true, R"(/v1/holds/([^/]+)/confirm)", Op::kConfirm, decode_confirm},
    {true, R"(/v1/holds/([^/]+)/passengers)", Op::kUpdateBooking, decode_passengers},
    {true, R"(/v1/holds/([^/]+)/exchange/quote)", Op::kQuoteExchange, decode_exchange},
    {true, R"(/v1/holds/([^/]+)/exchange)", Op::kExchange, decode_exchange},
    {true, R"(/v1/holds/([^/]+)/extras/quote)", Op::kQuoteExtras, decode_extras},
    {true, R"(/v1/holds/([^/]+)/extras)", Op::kAddExtras, decode_extras},
    {true, R"(/v1/holds/([^/]+)/release)", Op::kReleaseHold, decode_ref_only},
    {true, R"(/v1/holds/([^/]+)/cancellation_quote)", Op::kCancelQuote, decode_ref_only},
    {true, R"(/v1/holds/([^/]+)/cancellation_quote/confirm)", Op::kCancelConfirm, decode_ref_only},
};

// Stored value (gift cards, travel certificates, store credit) on the payments face, as JSON:
// a balance, a debit that takes from it at once, a credit that gives a debit back.
const JsonRoute kStoredValueRoutes[] = {
    {false, R"(/v1/stored_value/([^/]+))", Op::kBalance, decode_balance},
    {true, "/v1/stored_value", Op::kIssueCredit, decode_issue_credit},
    {true, R"(/v1/stored_value/([^/]+)/debits)", Op::kDebit, decode_debit},
    {true, R"(/v1/stored_value/([^/]+)/deposits)", Op::kDeposit, decode_debit},
    {true, R"(/v1/stored_value_debits/([^/]+)/credits)", Op::kCredit, decode_credit},
};

template <std::size_t N>
void mount_routes(httplib::Server& server, FakeState& state, const JsonRoute (&routes)[N]) {
  for (const JsonRoute& r : routes) {
    auto handler = [&state, op = r.op, decode = r.decode](const httplib::Request& req,
                                                          httplib::Response& res) {
      serve_json(state, op, decode, req, res);
    };
    if (r.post) {
      server.Post(r.pattern, handler);
    } else {
      server.Get(r.pattern, handler);
    }
  }
}

}  // namespace

void mount_catalog(httplib::Server& server, FakeState& state) {
  mount_routes(server, state, kCatalogRoutes);
}

void mount_bookings(httplib::Server& server, FakeState& state) {
  mount_routes(server, state, kBookingRoutes);
}

void mount_stored_value(httplib::Server& server, FakeState& state) {
  mount_routes(server, state, kStoredValueRoutes);
}

}  // namespace checkride
