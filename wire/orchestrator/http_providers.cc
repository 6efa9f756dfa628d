#include "wire/orchestrator/http_providers.h"

#include <httplib.h>

#include <charconv>
#include <cstdio>

#include "protocol/form_body.h"
#include "protocol/json_input.h"

namespace checkride {
namespace {

// ProviderReply::status is a view of a static literal; these are the words providers send.
std::string_view known_status(const std::string& s) {
  static const char* kWords[] = {"requires_payment_method",
                                 "requires_confirmation",
                                 "requires_action",
                                 "requires_capture",
                                 "processing",
                                 "succeeded",
                                 "canceled",
                                 "reserved",
                                 "committed",
                                 "released",
                                 "held",
                                 "confirmed",
                                 "expired",
                                 "cancelled",
                                 "quoted",
                                 "pending",
                                 "delivered",
                                 "active",
                                 "reversed",
                                 "partially_reversed"};
  for (const char* w : kWords) {
    if (s == w) return w;
  }
  return "";
}

std::string key_header(IdempotencyKey key) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "ck-%016llx", static_cast<unsigned long long>(key));
  return buf;
}

nlohmann::json items_json(const ProviderRequest& r) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : r.items) items.push_back({{"sku", i.sku}, {"quantity", i.quantity}});
  return items;
}

// An error answer's ErrorCode from its status and body (Stripe's, OAuth's or the JSON APIs').
ErrorCode error_of(int status, const nlohmann::json& body) {
  std::string code, type, decline;
  if (body.is_object() && body.contains("error")) {
    const auto& e = body["error"];
    if (e.is_object()) {
      code = string_field(e, "code", "");
      type = string_field(e, "type", "");
      decline = string_field(e, "decline_code", "");
    } else if (e.is_string()) {
      code = e.get<std::string>();  // RFC 6749
    }
  }
  for (int i = 1; i < kErrorCodeCount; ++i) {  // the JSON APIs send our own names
    if (code == error_name(static_cast<ErrorCode>(i))) return static_cast<ErrorCode>(i);
  }
  if (code == "invalid_grant") return ErrorCode::kInvalidGrant;
  if (code == "temporarily_unavailable") return ErrorCode::kUnavailable;
  if (status == 402 || code == "card_declined") {
    return decline == "insufficient_funds" ? ErrorCode::kInsufficientFunds
                                           : ErrorCode::kCardDeclined;
  }
  if (status == 409 || code == "idempotency_key_in_use") return ErrorCode::kIdempotencyKeyInUse;
  if (type == "idempotency_error") return ErrorCode::kIdempotencyError;
  if (status == 429) return ErrorCode::kRateLimited;
  if (status == 401 || status == 403) return ErrorCode::kInvalidToken;
  if (status == 404 || code == "resource_missing") return ErrorCode::kNotFound;
  if (code == "payment_intent_unexpected_state") return ErrorCode::kInvalidState;
  if (status >= 500) return ErrorCode::kUnavailable;
  return ErrorCode::kBadRequest;
}

Duration retry_after_of(const httplib::Response& res) {
  std::string v = res.get_header_value("Retry-After");
  int64_t seconds = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  return ec == std::errc() && seconds > 0 ? seconds * kSecond : 0;
}

// A split payment's stored-value debits, by the names the payments face gave them.
void add_debits(const ProviderRequest& r, const ExternalNames& names, nlohmann::json& body) {
  if (r.debits.empty()) return;
  body["stored_value_debits"] = nlohmann::json::array();
  for (ObjectId d : r.debits) body["stored_value_debits"].push_back(names.text(d));
}

struct HttpCall {
  std::string method = "POST";
  std::string path;
  std::string body;
  std::string content_type = "application/json";
};

}  // namespace

ProviderConnections::ProviderConnections() = default;
ProviderConnections::~ProviderConnections() = default;

HttpProviders::HttpProviders(ProviderEndpoints endpoints, ExternalNames& names,
                             std::function<Time()> now)
    : endpoints_(std::move(endpoints)), names_(names), now_(std::move(now)) {}

HttpProviders::~HttpProviders() = default;

namespace {

httplib::Client& client_for(ProviderConnections& c, const ProviderEndpoints& e, Provider p,
                            Duration timeout) {
  auto& slot = c.clients[static_cast<int>(p)];
  if (!slot) {
    const std::string* url = &e.catalog;
    if (p == Provider::kPayment) url = &e.payments;
    if (p == Provider::kBooking) url = &e.bookings;
    if (p == Provider::kIdentity) url = &e.identity;
    slot = std::make_unique<httplib::Client>(*url);
    slot->set_keep_alive(true);
    slot->set_tcp_nodelay(true);  // else Nagle and delayed ACKs add ~40 ms per call
    slot->set_connection_timeout(2, 0);
  }
  auto usec = std::chrono::milliseconds(timeout);
  slot->set_read_timeout(usec);
  slot->set_write_timeout(usec);
  return *slot;
}

}  // namespace

std::string HttpProviders::bearer_for(const ProviderRequest& r, ProviderConnections& c,
                                      Duration timeout, bool renew) {
  if (provider_of(r.op) == Provider::kPayment && !endpoints_.stripe_key.empty()) {
    return endpoints_.stripe_key;
  }
  if (r.access_token != kServiceToken) return names_.text(r.access_token);
  std::lock_guard<std::mutex> lock(token_mu_);
  Time now = now_();
  if (!renew && !service_token_.empty() && now + 30 * kSecond < service_token_expires_) {
    return service_token_;
  }
  auto& client = client_for(c, endpoints_, Provider::kIdentity, timeout);
  httplib::Headers headers;
  client.set_basic_auth(endpoints_.client_id, endpoints_.client_secret);
  auto res = client.Post("/oauth/token", "grant_type=client_credentials",
                         "application/x-www-form-urlencoded");
  client.set_basic_auth("", "");
  if (res && res->status == 200) {
    auto j = parse_json_or_discarded(res->body);
    if (j.is_object() && j.contains("access_token") && j["access_token"].is_string()) {
      service_token_ = j["access_token"].get<std::string>();
      service_token_expires_ = now + int_field(j, "expires_in", 3600) * kSecond;
    }
  }
  return service_token_;
}

// A lookup's stored-value part: {id, amount} entries, at most 16. An entry that is not one
// is left out: that part of a refund then goes to the card, unseen by the money checks
// (the totals still reconcile), so the provider's answer must be well formed.
DebitParts HttpProviders::paid_debits_of(const nlohmann::json& j) {
  DebitParts out;
  if (!j.contains("stored_value_debits") || !j["stored_value_debits"].is_array()) return out;
  for (const auto& d : j["stored_value_debits"]) {
    if (out.size() == 16) break;
    std::string id = string_field(d, "id", "");
    int64_t amount = int_field(d, "amount", 0);
    if (!id.empty() && amount > 0) out.emplace_back(names_.intern(id), amount);
  }
  return out;
}

// A lookup's paid_by: the names of what paid, at most 16 of at most 128 bytes each. Any entry
// that is not one makes the list unknown (empty), as if the provider had not said.
std::vector<std::string> HttpProviders::paid_by_of(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (!j.contains("paid_by") || !j["paid_by"].is_array() || j["paid_by"].size() > 16) return out;
  for (const auto& name : j["paid_by"]) {
    if (!name.is_string() || name.get_ref<const std::string&>().empty() ||
        name.get_ref<const std::string&>().size() > 128) {
      return {};
    }
    out.push_back(name.get<std::string>());
  }
  return out;
}

namespace {

// The world's extras a call sets, by id at the booking's new count.
void add_extras(const ProviderRequest& r, nlohmann::json& body) {
  for (const LineItem& extra : r.extras) body["extras"][extra.sku] = extra.quantity;
}

void add_connections(const ProviderRequest& r, nlohmann::json& body) {
  if (r.items.size() <= 1) return;
  body["connections"] = nlohmann::json::array();
  for (std::size_t i = 1; i < r.items.size(); ++i) body["connections"].push_back(r.items[i].sku);
}

void add_payment(const ProviderRequest& r, ExternalNames& names, nlohmann::json& body) {
  if (r.payment != 0) body["payment_intent"] = names.text(r.payment);
  add_debits(r, names, body);
}

std::string by_customer(const std::string& customer) {
  return customer.empty() ? "" : "?customer=" + customer;
}

// The catalog API (docs/catalog.openapi.yaml): products, quotes, reservations, orders.
void catalog_call(const ProviderRequest& r, const std::string& ref, const std::string& customer,
                  ExternalNames& names, nlohmann::json& body, HttpCall& call) {
  switch (r.op) {
    case Op::kSearch:
      call.method = "GET";
      call.path = "/v1/products?query=" + httplib::detail::encode_query_param(r.text);
      break;
    case Op::kQuote:
    case Op::kReserve:
      call.path = r.op == Op::kQuote ? "/v1/quotes" : "/v1/reservations";
      body["items"] = items_json(r);
      add_extras(r, body);
      if (!r.coupon.empty()) body["coupon"] = r.coupon;
      if (r.op == Op::kReserve && r.ttl > 0) body["ttl_seconds"] = (r.ttl + kSecond - 1) / kSecond;
      break;
    case Op::kCommit:
      call.path = "/v1/orders";
      if (!ref.empty()) {
        body["reservation"] = ref;
      } else {
        body["items"] = items_json(r);
        add_extras(r, body);
      }
      add_debits(r, names, body);
      break;
    case Op::kRelease:
      call.path = "/v1/reservations/" + ref + "/release";
      break;
    case Op::kCancelOrder:
      call.path = "/v1/orders/" + ref + "/cancel";
      break;
    case Op::kFindOrder:
      call.method = "GET";
      call.path =
          "/v1/orders/" + httplib::detail::encode_query_param(r.text) + by_customer(customer);
      break;
    case Op::kUpdateOrder:
      call.path = "/v1/orders/" + ref + "/details";
      body["details"] = r.text;
      break;
    case Op::kUpdateProfile:
      call.path = "/v1/customers/" + customer + "/profile";
      body["details"] = r.text;
      break;
    case Op::kReturnItems:
      call.path = "/v1/orders/" + ref + "/returns";
      body["items"] = items_json(r);
      break;
    case Op::kRepayOrder:
      call.path = "/v1/orders/" + ref + "/payment";
      add_payment(r, names, body);
      break;
    case Op::kQuoteItemSwap:
    case Op::kSwapItems:
      call.path =
          "/v1/orders/" + ref + (r.op == Op::kQuoteItemSwap ? "/item_swaps/quote" : "/item_swaps");
      body["items"] = items_json(r);
      if (r.op == Op::kSwapItems) add_payment(r, names, body);  // what paid the difference
      break;
    default:
      break;
  }
}

// Stripe's payment intents and refunds (form-encoded), and the stored-value API.
void payment_call(const ProviderRequest& r, const std::string& ref, const std::string& customer,
                  ExternalNames& names, nlohmann::json& body, HttpCall& call) {
  const char* kForm = "application/x-www-form-urlencoded";
  switch (r.op) {
    case Op::kAuthorize: {
      nlohmann::json form = {{"amount", r.amount},
                             {"currency", "usd"},
                             {"capture_method", "manual"},
                             {"confirm", true},
                             {"payment_method", names.text(r.payment_method)}};
      if (!customer.empty()) form["metadata"] = {{"customer", customer}};
      // The user's own card or wallet the call named: the sandbox's Stripe charges it when
      // its world names the users' methods (docs/wire.md).
      if (!r.text.empty()) form["metadata"]["instrument"] = r.text;
      call.path = "/v1/payment_intents";
      call.body = encode_form(form);
      call.content_type = kForm;
      break;
    }
    case Op::kCapture:
    case Op::kVoid:
      call.path = "/v1/payment_intents/" + ref + (r.op == Op::kCapture ? "/capture" : "/cancel");
      call.content_type = kForm;
      break;
    case Op::kRefund: {
      nlohmann::json form = {{"payment_intent", ref}};
      if (r.amount > 0) form["amount"] = r.amount;
      call.path = "/v1/refunds";
      call.body = encode_form(form);
      call.content_type = kForm;
      break;
    }
    case Op::kBalance:
      call.method = "GET";
      call.path =
          "/v1/stored_value/" + httplib::detail::encode_query_param(r.text) + by_customer(customer);
      break;
    case Op::kDebit:
      call.path = "/v1/stored_value/" + httplib::detail::encode_query_param(r.text) + "/debits";
      body["amount"] = r.amount;
      break;
    case Op::kCredit:
      call.path = "/v1/stored_value_debits/" + ref + "/credits";
      body["amount"] = r.amount;
      break;
    case Op::kDeposit:
      call.path = "/v1/stored_value/" + httplib::detail::encode_query_param(r.text) + "/deposits";
      body["amount"] = r.amount;
      break;
    case Op::kIssueCredit:
      call.path = "/v1/stored_value";
      body["amount"] = r.amount;
      break;
    default:
      break;
  }
}

// The bookings API (docs/bookings.openapi.yaml): offers, holds, their payment, cancellation,
// changes and extras.
void booking_call(const ProviderRequest& r, const std::string& ref, const std::string& customer,
                  ExternalNames& names, nlohmann::json& body, HttpCall& call) {
  const std::string hold = "/v1/holds/" + ref;
  switch (r.op) {
    case Op::kAvailability:
      call.method = "GET";
      call.path = "/v1/offers?route=" + httplib::detail::encode_query_param(r.text);
      break;
    case Op::kHold:
      call.path = "/v1/holds";
      body["offer"] = r.text;
      body["seats"] = r.items.empty() ? 1 : r.items.front().quantity;
      add_connections(r, body);
      add_extras(r, body);
      if (r.ttl > 0) body["ttl_seconds"] = (r.ttl + kSecond - 1) / kSecond;
      break;
    case Op::kConfirm:
      call.path = hold + "/confirm";
      if (r.payment != 0 || r.debits.empty()) body["payment_intent"] = names.text(r.payment);
      add_debits(r, names, body);
      break;
    case Op::kReleaseHold:
      call.path = hold + "/release";
      break;
    case Op::kCancelQuote:
      call.path = hold + "/cancellation_quote";
      break;
    case Op::kCancelConfirm:
      call.path = hold + "/cancellation_quote/confirm";
      break;
    case Op::kFindBooking:
      call.method = "GET";
      call.path =
          "/v1/bookings/" + httplib::detail::encode_query_param(r.text) + by_customer(customer);
      break;
    case Op::kUpdateBooking:
      call.path = hold + "/passengers";
      body["seats"] = r.items.empty() ? 1 : r.items.front().quantity;
      break;
    case Op::kQuoteExchange:
    case Op::kExchange:
      call.path = hold + (r.op == Op::kQuoteExchange ? "/exchange/quote" : "/exchange");
      body["offer"] = r.text;
      add_connections(r, body);
      if (r.op == Op::kExchange) add_payment(r, names, body);
      break;
    case Op::kQuoteExtras:
    case Op::kAddExtras:
      call.path = hold + (r.op == Op::kQuoteExtras ? "/extras/quote" : "/extras");
      if (r.extras.empty()) body["bags"] = r.items.empty() ? 0 : r.items.front().quantity;
      add_extras(r, body);
      if (r.op == Op::kAddExtras) add_payment(r, names, body);
      break;
    default:
      break;
  }
}

// What a call does to an order or booking, for the world's rules, and a cancel's reason: in
// the body of a POST, in the query of a lookup.
void add_operation(const ProviderRequest& r, nlohmann::json& body, HttpCall& call) {
  if (r.operation == ObjectOperation::kNone) return;
  const std::string op(operation_name(r.operation));
  if (call.method == "GET") {
    call.path +=
        std::string(call.path.find('?') == std::string::npos ? "?" : "&") + "operation=" + op;
    if (!r.reason.empty()) {
      call.path += "&reason=" + httplib::detail::encode_query_param(r.reason);
    }
    return;
  }
  body["operation"] = op;
  if (!r.reason.empty()) body["reason"] = r.reason;
}

// A lookup's refusal, by our own error names; one this side does not know is a refusal still.
ErrorCode refusal_of(const nlohmann::json& j) {
  const std::string name = string_field(j, "refusal", "");
  if (name.empty()) return ErrorCode::kNone;
  for (int i = 1; i < kErrorCodeCount; ++i) {
    if (name == error_name(static_cast<ErrorCode>(i))) return static_cast<ErrorCode>(i);
  }
  return ErrorCode::kNotChangeable;
}

// The HTTP request a provider request becomes, in the wire shapes of docs/wire.md.
HttpCall call_for(const ProviderRequest& r, ExternalNames& names) {
  HttpCall call;
  const std::string ref = names.text(r.ref);
  const std::string customer = names.text(r.user);
  nlohmann::json body = nlohmann::json::object();
  if (!customer.empty()) body["customer"] = customer;
  switch (provider_of(r.op)) {
    case Provider::kCatalog:
      catalog_call(r, ref, customer, names, body, call);
      break;
    case Provider::kPayment:
      payment_call(r, ref, customer, names, body, call);
      break;
    case Provider::kBooking:
      booking_call(r, ref, customer, names, body, call);
      break;
    case Provider::kIdentity:  // the refresh_token grant
      call.path = "/oauth/token";
      call.body = "grant_type=refresh_token&refresh_token=" +
                  httplib::detail::encode_query_param(names.text(r.refresh_token));
      call.content_type = "application/x-www-form-urlencoded";
      break;
  }
  if (provider_of(r.op) == Provider::kCatalog || provider_of(r.op) == Provider::kBooking ||
      r.op == Op::kDebit) {
    add_operation(r, body, call);
  }
  if (call.method == "POST" && call.content_type == "application/json") call.body = body.dump();
  return call;
}

// The amount an answer carries, under the name each API gives it.
int64_t amount_of(Op op, const nlohmann::json& j) {
  switch (op) {
    case Op::kAuthorize:
    case Op::kCapture:
    case Op::kVoid:
      return int_field(j, "amount", 0);
    case Op::kCancelQuote:
    case Op::kCancelConfirm:
    case Op::kReturnItems:
      return int_field(j, "refund_amount", 0);
    case Op::kQuoteExchange:
    case Op::kExchange:
    case Op::kQuoteItemSwap:
    case Op::kSwapItems:
      return int_field(j, "difference", 0);
    case Op::kBalance:
    case Op::kIssueCredit:
      return int_field(j, "balance", 0);
    case Op::kCredit:
      return int_field(j, "amount_credited", 0);
    default:
      return int_field(j, "total", int_field(j, "amount", 0));
  }
}

}  // namespace

// An error answer: its code, its Retry-After, and the intent a decline or a bad state left
// behind (Stripe embeds it).
ProviderReply HttpProviders::read_error(const httplib::Response& res, const nlohmann::json& j) {
  ProviderReply reply;
  reply.error = error_of(res.status, j);
  if (reply.error == ErrorCode::kRateLimited) reply.retry_after = retry_after_of(res);
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("payment_intent") && j["error"]["payment_intent"].is_object()) {
    const auto& pi = j["error"]["payment_intent"];
    reply.id = names_.intern(string_field(pi, "id", ""));
    reply.status = known_status(string_field(pi, "status", ""));
  }
  return reply;
}

ProviderReply HttpProviders::read_success(const ProviderRequest& r, const nlohmann::json& j,
                                          Time now) {
  ProviderReply reply;
  if (!j.is_object()) {
    reply.error = ErrorCode::kBadRequest;
    return reply;
  }
  reply.status = known_status(string_field(j, "status", ""));
  if (j.contains("id") && j["id"].is_string()) reply.id = names_.intern(j["id"]);
  if (r.op == Op::kRefreshToken) {
    reply.access_token = names_.intern(string_field(j, "access_token", ""));
    reply.refresh_token = names_.intern(string_field(j, "refresh_token", ""));
    reply.expires_at = now + int_field(j, "expires_in", 0) * kSecond;
    return reply;
  }
  if (r.op == Op::kSearch || r.op == Op::kAvailability) {
    if (j.contains("data") && j["data"].is_array()) {
      for (const auto& d : j["data"]) {
        if (d.is_object() && d.contains("id") && d["id"].is_string())
          reply.found.push_back(d["id"]);
      }
    }
    return reply;
  }
  reply.amount = amount_of(r.op, j);
  reply.discount = int_field(j, "discount", 0);
  if (r.op == Op::kFindBooking || r.op == Op::kFindOrder) {
    reply.paid_with = names_.intern(string_field(j, "payment_intent", ""));
    reply.paid_debits = paid_debits_of(j);
    reply.paid_by = paid_by_of(j);
    reply.refusal = refusal_of(j);
  }
  // Read typed: a provider's answer is outside input too.
  if (j.contains("expires_in_ms")) reply.expires_at = now + int_field(j, "expires_in_ms", 0);
  if (j.contains("payment_required_in_ms"))
    reply.expires_at = now + int_field(j, "payment_required_in_ms", 0);
  return reply;
}

ProviderReply HttpProviders::read_answer(const ProviderRequest& r, const httplib::Response& res,
                                         Time now) {
  auto j = parse_json_or_discarded(res.body);
  return res.status < 400 ? read_success(r, j, now) : read_error(res, j);
}

ProviderReply HttpProviders::perform(const ProviderRequest& r, Duration timeout,
                                     ProviderConnections& c) {
  const HttpCall call = call_for(r, names_);
  const Provider provider = provider_of(r.op);
  ProviderReply reply;
  for (int attempt = 0; attempt < 2; ++attempt) {
    httplib::Headers headers;
    if (r.key != 0 && call.method == "POST") headers.emplace("Idempotency-Key", key_header(r.key));
    if (provider != Provider::kIdentity) {
      std::string bearer = bearer_for(r, c, timeout, attempt > 0);
      if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
    }
    auto& client = client_for(c, endpoints_, provider, timeout);
    if (provider == Provider::kIdentity)
      client.set_basic_auth(endpoints_.client_id, endpoints_.client_secret);
    httplib::Result res = call.method == "GET"
                              ? client.Get(call.path, headers)
                              : client.Post(call.path, headers, call.body, call.content_type);
    if (provider == Provider::kIdentity) client.set_basic_auth("", "");
    Time now = now_();
    if (!res) {
      // Refused before anything was sent: certainly not executed. Anything later: unknown.
      reply.error =
          res.error() == httplib::Error::Connection ? ErrorCode::kUnavailable : ErrorCode::kTimeout;
      return reply;
    }
    reply = read_answer(r, *res, now);
    // Our own token for service calls went stale: renew it once and resend.
    const bool stale_service_token = reply.error == ErrorCode::kInvalidToken &&
                                     r.access_token == kServiceToken && attempt == 0 &&
                                     endpoints_.stripe_key.empty();
    if (!stale_service_token) return reply;
  }
  return reply;
}

}  // namespace checkride
