// The world section: catalog (world) files with their SKUs, offers, coupons, and what existed
// before the sessions (bookings, orders, stored value); latency; size overrides.
#include <algorithm>
#include <iterator>

#include "protocol/yaml_json.h"
#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

void load_coupons(Scenario& s, const YAML::Node& list, const std::string& path,
                  const std::string& field) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), field, "expected a list");
  int i = 0;
  for (const auto& n : list) {
    MapReader cm(n, path, field + "[" + std::to_string(i++) + "]");
    CouponSpec c;
    c.code = cm.str("code", "");
    c.off = cm.cents("off_cents", 0);
    c.budget = cm.cents("budget_cents", 0);
    c.per_user = cm.bounded("per_user", 0, 0, kMaxInt32);
    if (c.code.empty()) cm.fail(n, "code", "missing");
    cm.finish();
    s.coupons.push_back(c);
  }
}

// What paid for a booking or order with stored value: [{id, amount_cents}], each an
// instrument of the world's stored_value: (checked once every world file is read).
std::vector<StoredValuePart> load_paid_stored_value(MapReader& m) {
  std::vector<StoredValuePart> out;
  if (!m.has("paid_stored_value")) return out;
  YAML::Node list = m.get("paid_stored_value");
  if (!list.IsSequence() || list.size() == 0 || list.size() > 16) {
    m.fail(list, "paid_stored_value", "expected a list of 1 to 16 {id, amount_cents}");
  }
  for (const auto& n : list) {
    MapReader pm(n, m.file(), m.field() + ".paid_stored_value[" + std::to_string(out.size()) + "]");
    StoredValuePart p;
    p.id = pm.str("id", "");
    p.amount = pm.integer("amount_cents", 0);
    if (p.id.empty()) pm.fail(n, "id", "missing: the stored-value instrument that paid");
    if (p.amount <= 0 || p.amount > kMaxBalance) {
      pm.fail(n, "amount_cents",
              "expected a positive integer up to " + std::to_string(kMaxBalance));
    }
    for (const auto& other : out) {
      if (other.id == p.id) pm.fail(n, "id", "'" + p.id + "' is named twice");
    }
    pm.finish();
    out.push_back(p);
  }
  return out;
}

// Bookings made before the session, on offers this or an earlier world file declares.
void load_existing_bookings(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "bookings", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    std::string field = "bookings[" + std::to_string(i++) + "]";
    MapReader bm(n, path, field);
    ExistingBooking b;
    b.reference = bm.str("reference", "");
    b.user = bm.str("user", "");
    b.offer = bm.str("offer", "");
    if (bm.has("connections")) {
      YAML::Node list = bm.get("connections");
      if (!list.IsSequence() || list.size() > 15) {
        bm.fail(list, "connections", "expected a list of at most 15 offer ids");
      }
      for (const auto& c : list) {
        if (!c.IsScalar() || c.Scalar().empty()) bm.fail(c, "connections", "expected an offer id");
        b.connections.push_back(c.Scalar());
      }
    }
    b.seats = bm.bounded("seats", 1, 1, 1000);
    b.paid = bm.in_range("paid_cents", -1, 1, kMaxBalance);
    b.paid_stored_value = load_paid_stored_value(bm);
    b.paid_card = bm.str("paid_card", "");
    b.extras = load_extra_units(bm, "extras");
    b.status = bm.str("status", "confirmed");  // one of the world's: checked once all is read
    if (b.reference.empty()) bm.fail(n, "reference", "missing");
    if (b.offer.empty()) bm.fail(n, "offer", "missing");
    if (b.paid == 0 || b.paid < -1) bm.fail(n, "paid_cents", "expected a positive integer");
    bm.finish();
    b.origin = path;
    b.line = line_of(n);
    b.field = field + ".offer";
    for (const auto& other : s.existing.bookings) {
      if (other.reference == b.reference &&
          (other.user == b.user || other.user.empty() || b.user.empty())) {
        bm.fail(n, "reference", "'" + b.reference + "' is already a booking of this user");
      }
    }
    s.existing.bookings.push_back(b);
  }
}

// Orders placed before the session, of SKUs this or an earlier world file declares.
void load_existing_orders(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "orders", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    std::string field = "orders[" + std::to_string(i++) + "]";
    MapReader om(n, path, field);
    ExistingOrder o;
    o.reference = om.str("reference", "");
    o.user = om.str("user", "");
    o.paid = om.in_range("paid_cents", -1, 1, kMaxBalance);
    o.paid_stored_value = load_paid_stored_value(om);
    o.paid_card = om.str("paid_card", "");
    o.status =
        om.str("status", "pending");  // one of the world's statuses: checked once all is read
    o.delivered_at = calendar_time(om, "delivered_at");
    o.extras = load_extra_units(om, "extras");
    if (o.reference.empty()) om.fail(n, "reference", "missing");
    if (o.paid == 0 || o.paid < -1) om.fail(n, "paid_cents", "expected a positive integer");
    if (!om.has("items") || !om.get("items").IsSequence() || om.get("items").size() == 0)
      om.fail(n, "items", "expected a non-empty list of {sku, quantity}");
    int j = 0;
    for (const auto& item : om.get("items")) {
      MapReader im(item, path, field + ".items[" + std::to_string(j++) + "]");
      LineItem line{im.str("sku", ""), im.bounded("quantity", 1, 1, 1000000)};
      const int64_t paid_each = im.in_range("price_cents", -1, 1, kMaxBalance / 1000000);
      if (line.sku.empty()) im.fail(item, "sku", "missing");
      im.finish();
      o.items.push_back(line);
      o.unit_prices.push_back(paid_each);
    }
    om.finish();
    o.origin = path;
    o.line = line_of(n);
    o.field = field + ".items";
    for (const auto& other : s.existing.orders) {
      if (other.reference == o.reference &&
          (other.user == o.user || other.user.empty() || o.user.empty())) {
        om.fail(n, "reference", "'" + o.reference + "' is already an order of this user");
      }
    }
    s.existing.orders.push_back(o);
  }
}

// Gift cards, certificates and store credit the users hold before the session.
void load_stored_value(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "stored_value", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    std::string field = "stored_value[" + std::to_string(i++) + "]";
    MapReader vm(n, path, field);
    StoredValueSpec v;
    v.id = vm.str("id", "");
    v.user = vm.str("user", "");
    // Bounded so a session's sums of balances and debits can never overflow.
    v.balance = vm.integer("balance_cents", 0);
    if (v.balance < 0 || v.balance > kMaxBalance) {
      vm.fail(vm.get("balance_cents"), "balance_cents",
              "expected an integer from 0 to " + std::to_string(kMaxBalance));
    }
    if (v.id.empty()) vm.fail(n, "id", "missing");
    vm.finish();
    v.origin = path;
    v.line = line_of(n);
    v.field = field;
    for (const auto& other : s.existing.stored_value) {
      if (other.id == v.id && (other.user == v.user || other.user.empty() || v.user.empty())) {
        vm.fail(n, "id", "'" + v.id + "' is already an instrument of this user");
      }
    }
    for (const auto& other : s.existing.payment_methods) {
      if (other.id == v.id && (other.user == v.user || other.user.empty() || v.user.empty())) {
        vm.fail(n, "id", "'" + v.id + "' is already a payment method of this user");
      }
    }
    s.existing.stored_value.push_back(v);
  }
}

// Users' details at the shop: [{user, details}], details a string or a mapping (an address),
// kept as the tools would send them.
void load_profiles(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "profiles", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    MapReader pm(n, path, "profiles[" + std::to_string(i++) + "]");
    ProfileSpec p;
    p.user = pm.str("user", "");
    if (p.user.empty()) pm.fail(n, "user", "missing: the user whose details these are");
    YAML::Node details = pm.get("details");
    if (!details || !(details.IsScalar() || details.IsMap())) {
      pm.fail(details ? details : YAML::Node(n), "details",
              "expected a string or a mapping (an address)");
    }
    p.details = details.IsScalar() ? details.Scalar() : yaml_to_json(details).dump();
    if (p.details.empty() || p.details.size() > 4096) {
      pm.fail(details, "details", "expected 1 to 4096 characters");
    }
    pm.finish();
    for (const auto& other : s.existing.profiles) {
      if (other.user == p.user) pm.fail(n, "user", "'" + p.user + "' has a profile already");
    }
    s.existing.profiles.push_back(p);
  }
}

// A rule's `key: NAME` whose NAME is one of `names` (the first is the default): the matching
// value, else an error naming the field and every allowed name.
template <typename Value, std::size_t N>
Value one_of(MapReader& rm, const char* key, const std::pair<const char*, Value> (&names)[N]) {
  const std::string got = rm.str(key, names[0].first);
  std::string allowed;
  for (std::size_t i = 0; i < N; ++i) {
    if (got == names[i].first) return names[i].second;
    allowed += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + names[i].first;
  }
  rm.fail(rm.get(key), key, "expected " + allowed + ", got '" + got + "'");
}

// `refunds: {order: ..., to: ...}`: how the business splits a refund over what paid, and
// where else a refund may go.
void load_refunds(Scenario& s, const YAML::Node& node, const std::string& path,
                  const std::string& field) {
  static const std::pair<const char*, RefundOrder> kOrders[] = {
      {"proportional", RefundOrder::kProportional},
      {"card_first", RefundOrder::kCardFirst},
      {"stored_value_first", RefundOrder::kStoredValueFirst}};
  static const std::pair<const char*, RefundTo> kTo[] = {{"original", RefundTo::kOriginal},
                                                         {"own_gift_card", RefundTo::kOwnGiftCard},
                                                         {"any_own", RefundTo::kAnyOwn}};
  MapReader rm(node, path, field);
  s.orchestrator.refund_order = one_of(rm, "order", kOrders);
  s.orchestrator.refund_to = one_of(rm, "to", kTo);
  rm.finish();
}

// `payment: {parts: ...}`: whether a payment's stated parts may exceed the total (the card is
// charged only the rest) or must add up to it (docs/scenarios.md).
void load_payment_rule(Scenario& s, const YAML::Node& node, const std::string& path,
                       const std::string& field) {
  static const std::pair<const char*, PaymentParts> kParts[] = {{"at_most", PaymentParts::kAtMost},
                                                                {"exact", PaymentParts::kExact}};
  if (node.IsScalar()) {  // `payment: exact`, short for `payment: {parts: exact}`
    for (const auto& [name, parts] : kParts) {
      if (node.Scalar() == name) {
        s.orchestrator.payment_parts = parts;
        return;
      }
    }
    throw InputError(path, line_of(node), field,
                     "expected at_most or exact (or {parts: ...}), got '" + node.Scalar() + "'");
  }
  MapReader rm(node, path, field);
  s.orchestrator.payment_parts = one_of(rm, "parts", kParts);
  rm.finish();
}

// `order_rules:` and `booking_rules:`, each over what earlier files stated.
void load_rules(Scenario& s, MapReader& m, const std::string& path, const std::string& prefix) {
  if (m.has("order_rules")) {
    YAML::Node node = m.get("order_rules");
    load_object_rules(s.rules.orders, node, path, prefix + "order_rules", true);
    s.rules_declared = true;
    if (s.rules.orders.exchange_within_product &&
        std::none_of(s.skus.begin(), s.skus.end(),
                     [](const SkuSpec& k) { return !k.product.empty(); })) {
      m.fail(node, "order_rules.exchange_within_product",
             "no SKU so far names its product (skus[].product), so every exchange would be "
             "refused");
    }
  }
  if (m.has("booking_rules")) {
    load_object_rules(s.rules.bookings, m.get("booking_rules"), path, prefix + "booking_rules",
                      false);
    s.rules_declared = true;
  }
}

void load_world_catalog(Scenario& s, const std::string& path) {
  YAML::Node root = load_yaml_file(path, "catalog");
  MapReader m(root, path, "");
  m.str("currency", "usd");
  if (m.has("skus")) {
    YAML::Node skus = m.get("skus");
    if (!skus.IsSequence()) m.fail(skus, "skus", "expected a list");
    int i = 0;
    for (const auto& n : skus) {
      MapReader sm(n, path, "skus[" + std::to_string(i++) + "]");
      SkuSpec sku;
      sku.id = sm.str("id", "");
      sku.name = sm.str("name", sku.id);
      sku.price = sm.cents("price_cents", 0);
      sku.stock = sm.bounded("stock", 0, 0, kMaxInt32 / 2);
      sku.product = sm.str("product", "");
      if (sku.id.empty()) sm.fail(n, "id", "missing");
      if (sku.price <= 0) sm.fail(n, "price_cents", "expected a positive integer");
      sm.finish();
      s.skus.push_back(sku);
    }
  }
  if (m.has("offers")) {
    YAML::Node offers = m.get("offers");
    if (!offers.IsSequence()) m.fail(offers, "offers", "expected a list");
    int i = 0;
    for (const auto& n : offers) {
      MapReader om(n, path, "offers[" + std::to_string(i++) + "]");
      OfferSpec o;
      o.id = om.str("id", "");
      o.route = om.str("route", "");
      o.price = om.cents("price_cents", 0);
      o.capacity = om.bounded("capacity", 0, 0, kMaxInt32 / 2);
      o.refund_percent = om.bounded("refund_percent", 100, 0, 100);
      o.bag_price = om.integer("bag_price_cents", 0);
      o.change_fee = om.cents("change_fee_cents", 0);
      o.status = om.str("status", "");
      o.departs_at = calendar_time(om, "departs_at");
      o.cabin = om.str("cabin", "");
      o.fare_class = om.str("fare_class", "");
      if (o.bag_price < 0 || o.bag_price > kMaxBalance) {
        om.fail(om.get("bag_price_cents"), "bag_price_cents",
                "expected an integer from 0 to " + std::to_string(kMaxBalance));
      }
      if (o.id.empty()) om.fail(n, "id", "missing");
      if (o.price <= 0) om.fail(n, "price_cents", "expected a positive integer");
      om.finish();
      s.offers.push_back(o);
    }
  }
  if (m.has("coupons")) load_coupons(s, m.get("coupons"), path, "coupons");
  if (m.has("bookings")) load_existing_bookings(s, m.get("bookings"), path);
  if (m.has("orders")) load_existing_orders(s, m.get("orders"), path);
  if (m.has("stored_value")) load_stored_value(s, m.get("stored_value"), path);
  if (m.has("payment_methods")) load_payment_methods(s, m.get("payment_methods"), path);
  if (m.has("instrument_rules")) load_instrument_rules(s, m.get("instrument_rules"), path);
  if (m.has("profiles")) load_profiles(s, m.get("profiles"), path);
  if (m.has("extras")) load_extras(s, m.get("extras"), path);
  if (m.has("taxes")) load_taxes(s, m.get("taxes"), path);
  if (m.has("now")) s.calendar = calendar_time(m, "now");
  if (m.has("memberships")) load_memberships(s, m.get("memberships"), path);
  if (m.has("refunds")) load_refunds(s, m.get("refunds"), path, "refunds");
  if (m.has("payment")) load_payment_rule(s, m.get("payment"), path, "payment");
  load_rules(s, m, path, "");
  m.finish();
}

// `stock: {SKU: N}` and `capacity: {OFFER: N}`: the catalog's numbers for a few SKUs or
// offers, changed (shrink writes them: a smaller world that fails the same way).
void override_sizes(Scenario& s, const YAML::Node& map, MapReader& m, const std::string& key) {
  if (!map.IsMap()) m.fail(map, key, "expected a mapping of id to a count");
  for (const auto& kv : map) {
    std::string id = kv.first.IsScalar() ? kv.first.Scalar() : "";
    int64_t n = 0;
    if (!kv.second.IsScalar() || !parse_whole(kv.second.Scalar(), n) || n < 0 ||
        n > kMaxInt32 / 2) {
      m.fail(kv.second, key + "." + id,
             "expected a count from 0 to " + std::to_string(kMaxInt32 / 2));
    }
    bool found = false;
    if (key == "stock") {
      for (auto& sku : s.skus) {
        if (sku.id == id) sku.stock = static_cast<int32_t>(n), found = true;
      }
    } else {
      for (auto& offer : s.offers) {
        if (offer.id == id) offer.capacity = static_cast<int32_t>(n), found = true;
      }
    }
    if (!found) {
      m.fail(
          kv.first, key + "." + id,
          std::string("no such ") + (key == "stock" ? "SKU" : "offer") + " in the world's catalog");
    }
  }
}

}  // namespace

void parse_world(Scenario& s, MapReader& top) {
  if (!top.has("world")) return;
  MapReader m(top.get("world"), top.file(), "world");
  if (m.has("catalog")) {
    YAML::Node c = m.get("catalog");
    if (c.IsSequence()) {
      for (const auto& f : c) {
        if (!f.IsScalar()) m.fail(f, "catalog", "expected a list of catalog file paths");
        load_world_catalog(s, resolve(s.path, f.Scalar()));
      }
    } else {
      load_world_catalog(s, resolve(s.path, m.str("catalog", "")));
    }
  }
  if (m.has("coupons")) load_coupons(s, m.get("coupons"), top.file(), "world.coupons");
  if (m.has("refunds")) load_refunds(s, m.get("refunds"), top.file(), "world.refunds");
  if (m.has("payment")) load_payment_rule(s, m.get("payment"), top.file(), "world.payment");
  load_rules(s, m, top.file(), "world.");
  if (m.has("latency")) {
    MapReader lm(m.get("latency"), top.file(), "world.latency");
    for (int p = 0; p < kProviderCount; ++p) {
      std::string name(provider_name(static_cast<Provider>(p)));
      if (lm.has(name))
        s.latency[p] = parse_latency(lm.get(name), top.file(), "world.latency." + name);
    }
    lm.finish();
  }
  s.access_ttl = m.duration("access_token_ttl", s.access_ttl);
  if (m.has("stock")) override_sizes(s, m.get("stock"), m, "stock");
  if (m.has("capacity")) override_sizes(s, m.get("capacity"), m, "capacity");
  m.finish();
}

// oauth_clients: [{id, secret, redirect_uris: [...]}]; no secret is a public client.
void load_oauth_clients(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "oauth_clients", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    MapReader cm(n, path, "oauth_clients[" + std::to_string(i++) + "]");
    OAuthClient c;
    std::string error;
    c.id = cm.str("id", "");
    if (!check_client_id(c.id, error)) cm.fail(n, "id", error);
    for (const OAuthClient& earlier : s.oauth_clients)
      if (earlier.id == c.id) cm.fail(n, "id", "client '" + c.id + "' is declared twice");
    c.secret = cm.str("secret", "");
    YAML::Node uris = cm.get("redirect_uris");
    if (!uris || !uris.IsSequence() || uris.size() == 0) {
      cm.fail(uris ? uris : YAML::Node(n), "redirect_uris",
              "expected a list of at least one redirect URI");
    }
    for (const auto& u : uris) {
      if (!u.IsScalar() || !check_redirect_uri(u.Scalar(), error)) {
        cm.fail(u, "redirect_uris", u.IsScalar() ? error : "expected a string");
      }
      c.redirect_uris.push_back(u.Scalar());
    }
    cm.finish();
    s.oauth_clients.push_back(std::move(c));
  }
}

// Stored value that paid for something of `user`'s: instruments that user holds, adding up
// to no more than it was paid.
void check_paid_stored_value(const Scenario& s, const std::vector<StoredValuePart>& parts,
                             const std::string& user, int64_t paid, const std::string& origin,
                             int line, const std::string& field) {
  int64_t sum = 0;
  for (const auto& p : parts) {
    bool held = std::any_of(s.existing.stored_value.begin(), s.existing.stored_value.end(),
                            [&](const StoredValueSpec& v) {
                              return v.id == p.id && (v.user.empty() || v.user == user);
                            });
    if (!held) {
      throw InputError(origin, line, field + ".paid_stored_value",
                       "expected an instrument of the world's stored_value: that " +
                           (user.empty() ? std::string("every user") : "user '" + user + "'") +
                           " holds, got '" + p.id + "'");
    }
    sum += p.amount;
  }
  if (sum > paid) {
    throw InputError(origin, line, field + ".paid_stored_value",
                     "the parts add up to " + std::to_string(sum) + " cents, more than the " +
                         std::to_string(paid) + " it was paid");
  }
}

// A seeded order's or booking's status is one the world's rules declare.
void check_status(const ObjectRules& rules, const std::string& status, const std::string& origin,
                  int line, const std::string& at) {
  if (rules.find(status) >= 0) return;
  std::string known;
  for (const auto& r : rules.statuses) known += (known.empty() ? "" : ", ") + r.name;
  throw InputError(origin, line, at + ".status",
                   "expected a status of this world (" + known + "), got '" + status + "'");
}

void check_existing_orders(const Scenario& s) {
  for (const auto& o : s.existing.orders) {
    const std::string at = o.field.substr(0, o.field.rfind('.'));
    check_status(s.rules.orders, o.status, o.origin, o.line, at);
    int64_t priced = 0;
    for (std::size_t i = 0; i < o.items.size(); ++i) {
      const LineItem& item = o.items[i];
      auto sku = std::find_if(s.skus.begin(), s.skus.end(),
                              [&](const SkuSpec& k) { return k.id == item.sku; });
      if (sku == s.skus.end()) {
        throw InputError(
            o.origin, o.line, o.field,
            "expected SKUs of the world (a world file's skus:), got '" + item.sku + "'");
      }
      const int64_t paid_each = i < o.unit_prices.size() ? o.unit_prices[i] : -1;
      priced += (paid_each < 0 ? sku->price : paid_each) * item.quantity;
    }
    const int64_t extras = seeded_order_extras_and_taxes(s, o, priced);
    if (o.paid >= 0 && extras > 0 && o.paid <= extras) {
      throw InputError(o.origin, o.line, at + ".paid_cents",
                       "expected more than its extras and taxes cost (" + std::to_string(extras) +
                           " cents): paid_cents is the items, the extras and the taxes together");
    }
    priced += extras;
    check_paid_stored_value(s, o.paid_stored_value, o.user, o.paid < 0 ? priced : o.paid, o.origin,
                            o.line, at);
    check_paid_card(s, o.paid_card, o.user, o.origin, o.line, at);
  }
}

void check_existing_bookings(const Scenario& s) {
  check_existing_orders(s);
  check_extras(s);
  check_taxes(s);
  check_time_limits(s);
  for (const auto& b : s.existing.bookings) {
    check_status(s.rules.bookings, b.status, b.origin, b.line,
                 b.field.substr(0, b.field.rfind('.')));
    int64_t priced = 0;
    for (std::size_t i = 0; i <= b.connections.size(); ++i) {
      const std::string& offer = i == 0 ? b.offer : b.connections[i - 1];
      auto known = std::find_if(s.offers.begin(), s.offers.end(),
                                [&](const OfferSpec& o) { return o.id == offer; });
      if (known == s.offers.end()) {
        throw InputError(
            b.origin, b.line, i == 0 ? b.field : b.field + " (connections)",
            "expected an offer of the world (a world file's offers:), got '" + offer + "'");
      }
      priced += known->price * b.seats;
    }
    const std::string at = b.field.substr(0, b.field.rfind('.'));
    priced += seeded_extras_and_taxes(s, b);
    check_paid_stored_value(s, b.paid_stored_value, b.user, b.paid < 0 ? priced : b.paid, b.origin,
                            b.line, at);
    check_paid_card(s, b.paid_card, b.user, b.origin, b.line, at);
  }
}

void furnish_world(World& world, const Scenario& s) {
  world.catalog.set_rules(s.rules.orders);
  world.bookings.set_rules(s.rules.bookings);
  for (const auto& sku : s.skus) world.catalog.add_sku(sku);
  for (const auto& c : s.coupons) world.catalog.add_coupon(c);
  for (const auto& o : s.offers) world.bookings.add_offer(o);
  world.bookings.set_extras(s.extras);
  world.bookings.set_calendar(s.calendar);
  world.catalog.set_calendar(s.calendar);
  world.catalog.set_extras(s.extras);
  world.bookings.set_taxes(s.taxes);
  world.catalog.set_taxes(s.taxes);
  world.stored_value.set_rules(s.instrument_rules);
}

bool is_world_document(const YAML::Node& root) {
  // Every key load_world_catalog reads but currency, which a world file need not set.
  static constexpr const char* kWorldKeys[] = {
      "skus",          "offers",          "coupons",          "bookings", "orders",
      "stored_value",  "payment_methods", "instrument_rules", "profiles", "extras",
      "now",           "memberships",     "refunds",          "payment",  "order_rules",
      "booking_rules", "taxes",
  };
  if (!root.IsMap()) return false;
  return std::any_of(std::begin(kWorldKeys), std::end(kWorldKeys),
                     [&](const char* key) { return static_cast<bool>(root[key]); });
}

void load_world_file(Scenario& s, const std::string& path) {
  try {
    load_world_catalog(s, path);
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg);
  }
}

}  // namespace checkride
