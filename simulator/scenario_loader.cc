#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include "orchestrator/defects.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "reports/metric_names.h"
#include "simulator/scenario.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxInt32 = 2147483647;

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// Reads one YAML mapping, remembering which keys were used so unknown ones are errors.
class MapReader {
 public:
  MapReader(const YAML::Node& node, const std::string& file, std::string field)
      : node_(node), file_(file), field_(std::move(field)) {
    if (!node.IsMap()) fail(node, "", "expected a mapping");
  }
  bool has(const std::string& key) {
    used_.insert(key);
    return static_cast<bool>(node_[key]);
  }
  YAML::Node get(const std::string& key) {
    used_.insert(key);
    return node_[key];
  }
  std::string path(const std::string& key) const {
    return field_.empty() ? key : field_ + "." + key;
  }
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& message) const {
    throw InputError(file_, line_of(at), key.empty() ? field_ : path(key), message);
  }
  std::string str(const std::string& key, const std::string& dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    if (!n.IsScalar()) fail(n, key, "expected a string");
    return n.Scalar();
  }
  int64_t integer(const std::string& key, int64_t dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    int64_t v = 0;
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || ec != std::errc() || p != s.data() + s.size()) {
      fail(n, key, "expected an integer, got '" + s + "'");
    }
    return v;
  }
  // An integer in [lo, hi], as the 32-bit field it fills: a value past it is refused, never
  // wrapped into range.
  int32_t bounded(const std::string& key, int64_t dflt, int64_t lo, int64_t hi) {
    int64_t v = integer(key, dflt);
    if (v < lo || v > hi) {
      fail(get(key), key,
           "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
               ", got " + std::to_string(v));
    }
    return static_cast<int32_t>(v);
  }
  double real(const std::string& key, double dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    double v = 0;
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || ec != std::errc() || p != s.data() + s.size()) {
      fail(n, key, "expected a number, got '" + s + "'");
    }
    return v;
  }
  bool boolean(const std::string& key, bool dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false"))
      return n.Scalar() == "true";
    fail(n, key, "expected true or false");
  }
  Duration duration(const std::string& key, Duration dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    Duration d;
    if (!n.IsScalar() || !parse_duration(n.Scalar(), d)) {
      fail(n, key,
           "expected a duration like 250ms, 5s, 3m or 1h (at most 366 days), got '" +
               (n.IsScalar() ? n.Scalar() : std::string("a non-scalar")) + "'");
    }
    return d;
  }
  void finish() const {
    for (const auto& kv : node_) {
      std::string key = kv.first.Scalar();
      if (!used_.count(key)) {
        std::string known;
        for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
        fail(kv.first, key, "unknown key; expected one of: " + known);
      }
    }
  }
  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }

 private:
  YAML::Node node_;
  const std::string& file_;
  std::string field_;
  std::set<std::string> used_;
};

// Rates: "50/s", "3000/m", or a bare number per second. Returns events per millisecond.
double parse_rate(const YAML::Node& n, const std::string& file, const std::string& field) {
  std::string s = n.IsScalar() ? n.Scalar() : "";
  std::string_view v = s;
  double per = 1000.0;
  if (v.size() > 2 && v.substr(v.size() - 2) == "/s") {
    v.remove_suffix(2);
  } else if (v.size() > 2 && v.substr(v.size() - 2) == "/m") {
    v.remove_suffix(2);
    per = 60000.0;
  }
  double rate;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), rate);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !std::isfinite(rate) ||
      rate < 0) {
    throw InputError(file, line_of(n), field,
                     "expected a rate like 50/s or 3000/m, got '" + s + "'");
  }
  return rate / per;
}

LatencySpec parse_latency(const YAML::Node& n, const std::string& file, const std::string& field) {
  MapReader m(n, file, field);
  LatencySpec spec;
  if (m.has("fixed")) {
    spec.kind = LatencySpec::Kind::kFixed;
    spec.a = m.duration("fixed", 0);
  } else if (m.has("min") || m.has("max")) {
    spec.kind = LatencySpec::Kind::kUniform;
    spec.a = m.duration("min", 0);
    spec.b = m.duration("max", spec.a);
    if (spec.b < spec.a) m.fail(n, "max", "expected max >= min");
  } else {
    spec.kind = LatencySpec::Kind::kLognormal;
    spec.a = m.duration("median", 10);
    spec.b = m.duration("p99", spec.a * 3);
    if (spec.a <= 0 || spec.b < spec.a) m.fail(n, "p99", "expected 0 < median <= p99");
  }
  m.finish();
  return spec;
}

std::string resolve(const std::string& base_file, const std::string& rel) {
  fs::path p(rel);
  if (p.is_absolute()) return p.string();
  return (fs::path(base_file).parent_path() / p).lexically_normal().string();
}

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  if (!input_path_exists(path))
    throw InputError(path, 0, "", "cannot open " + what + ": no such file");
  return load_yaml_input(path, what);
}

void load_coupons(Scenario& s, const YAML::Node& list, const std::string& path,
                  const std::string& field) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), field, "expected a list");
  int i = 0;
  for (const auto& n : list) {
    MapReader cm(n, path, field + "[" + std::to_string(i++) + "]");
    CouponSpec c;
    c.code = cm.str("code", "");
    c.off = cm.integer("off_cents", 0);
    c.budget = cm.integer("budget_cents", 0);
    c.per_user = cm.bounded("per_user", 0, 0, kMaxInt32);
    if (c.code.empty()) cm.fail(n, "code", "missing");
    cm.finish();
    s.coupons.push_back(c);
  }
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

constexpr int64_t kMaxBalance = int64_t{1} << 40;  // cents: ten billion dollars

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
    b.paid = bm.integer("paid_cents", -1);
    b.paid_stored_value = load_paid_stored_value(bm);
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
    o.paid = om.integer("paid_cents", -1);
    o.paid_stored_value = load_paid_stored_value(om);
    std::string status = om.str("status", "pending");
    if (o.reference.empty()) om.fail(n, "reference", "missing");
    if (status != "pending" && status != "delivered")
      om.fail(n, "status", "expected pending or delivered, got '" + status + "'");
    o.delivered = status == "delivered";
    if (o.paid == 0 || o.paid < -1) om.fail(n, "paid_cents", "expected a positive integer");
    if (!om.has("items") || !om.get("items").IsSequence() || om.get("items").size() == 0)
      om.fail(n, "items", "expected a non-empty list of {sku, quantity}");
    int j = 0;
    for (const auto& item : om.get("items")) {
      MapReader im(item, path, field + ".items[" + std::to_string(j++) + "]");
      LineItem line{im.str("sku", ""), im.bounded("quantity", 1, 1, 1000000)};
      if (line.sku.empty()) im.fail(item, "sku", "missing");
      im.finish();
      o.items.push_back(line);
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
    s.existing.stored_value.push_back(v);
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
      sku.price = sm.integer("price_cents", 0);
      sku.stock = sm.bounded("stock", 0, 0, kMaxInt32 / 2);
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
      o.price = om.integer("price_cents", 0);
      o.capacity = om.bounded("capacity", 0, 0, kMaxInt32 / 2);
      o.refund_percent = om.bounded("refund_percent", 100, 0, 100);
      o.bag_price = om.integer("bag_price_cents", 0);
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
  m.finish();
}

bool parse_whole(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
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

void parse_orchestrator(Scenario& s, MapReader& top) {
  if (!top.has("orchestrator")) return;
  MapReader m(top.get("orchestrator"), top.file(), "orchestrator");
  std::string actions = m.str("actions", "default");
  s.actions = actions == "default" ? actions : resolve(s.path, actions);
  OrchestratorConfig& c = s.orchestrator;
  if (m.has("policy")) {
    MapReader pm(m.get("policy"), top.file(), "orchestrator.policy");
    c.policy.spend_cap_session = pm.integer("spend_cap_cents", 0);
    c.policy.spend_cap_day = pm.integer("daily_cap_cents", 0);
    c.policy.max_quantity = pm.bounded("max_quantity", 0, 0, kMaxInt32);
    c.policy.per_user_per_min = pm.bounded("per_user_per_min", 0, 0, kMaxInt32);
    c.policy.review_above = pm.integer("review_above_cents", 0);
    if (pm.has("admission")) {
      MapReader am(pm.get("admission"), top.file(), "orchestrator.policy.admission");
      c.policy.max_in_flight = am.bounded("max_in_flight", 0, 0, kMaxInt32);
      am.finish();
    }
    pm.finish();
  }
  if (m.has("retries")) {
    MapReader rm(m.get("retries"), top.file(), "orchestrator.retries");
    c.retries.max = rm.bounded("max", c.retries.max, 0, 1000);
    c.retries.base = rm.duration("base", c.retries.base);
    c.retries.cap = rm.duration("cap", c.retries.cap);
    c.retries.call_timeout = rm.duration("timeout", c.retries.call_timeout);
    c.retries.breaker_failures =
        rm.bounded("breaker_failures", c.retries.breaker_failures, 0, kMaxInt32);
    c.retries.breaker_cooldown = rm.duration("breaker_cooldown", c.retries.breaker_cooldown);
    if (c.retries.base <= 0) rm.fail(rm.get("base"), "base", "expected a positive duration");
    rm.finish();
  }
  c.reservation_ttl = m.duration("reservation_ttl", c.reservation_ttl);
  c.hold_ttl = m.duration("hold_ttl", c.hold_ttl);
  c.authentication_timeout = m.duration("authentication_timeout", c.authentication_timeout);
  if (c.authentication_timeout <= 0) {
    m.fail(m.get("authentication_timeout"), "authentication_timeout",
           "expected a positive duration (how long 3-D Secure may take)");
  }
  if (c.authentication_timeout >= c.reservation_ttl) {
    m.fail(m.has("authentication_timeout") ? m.get("authentication_timeout")
                                           : m.get("reservation_ttl"),
           "authentication_timeout",
           "expected less than reservation_ttl: the stock held for a shopper in 3-D Secure "
           "would lapse before the saga gives it back");
  }
  if (m.has("defects")) {
    YAML::Node list = m.get("defects");
    if (!list.IsSequence()) m.fail(list, "defects", "expected a list of defect names");
    for (const auto& d : list) {
      Defect defect;
      if (!d.IsScalar() || !parse_defect(d.Scalar(), defect)) {
        m.fail(d, "defects",
               "unknown defect '" + (d.IsScalar() ? d.Scalar() : std::string()) +
                   "'; run `checkride defects` for the list");
      }
      c.defects.enable(defect);
      s.defect_names.push_back(d.Scalar());
    }
  }
  m.finish();
}

// `keep_sessions: [3, 17]`: the arrivals stay as they were, but only these sessions run.
void parse_keep_sessions(Scenario& s, const YAML::Node& list, MapReader& m) {
  if (!list.IsSequence() || list.size() == 0 || list.size() > 100000) {
    m.fail(list, "keep_sessions", "expected a list of 1 to 100000 session numbers");
  }
  for (const auto& n : list) {
    int64_t id = 0;
    if (!n.IsScalar() || !parse_whole(n.Scalar(), id) || id < 1 || id > s.sessions) {
      m.fail(n, "keep_sessions",
             "expected session numbers from 1 to workload.sessions (" + std::to_string(s.sessions) +
                 "), got '" + (n.IsScalar() ? n.Scalar() : "") + "'");
    }
    s.keep_sessions.push_back(id);
  }
  std::sort(s.keep_sessions.begin(), s.keep_sessions.end());
  if (std::adjacent_find(s.keep_sessions.begin(), s.keep_sessions.end()) != s.keep_sessions.end()) {
    m.fail(list, "keep_sessions", "names a session twice");
  }
}

void parse_workload(Scenario& s, MapReader& top) {
  if (!top.has("workload")) top.fail(YAML::Node(), "workload", "missing; expected a mapping");
  MapReader m(top.get("workload"), top.file(), "workload");
  s.sessions = m.integer("sessions", s.sessions);
  if (s.sessions <= 0) m.fail(m.get("sessions"), "sessions", "expected a positive integer");
  s.concurrency = m.integer("concurrency", 0);
  if (m.has("keep_sessions")) parse_keep_sessions(s, m.get("keep_sessions"), m);
  if (m.has("arrival")) {
    YAML::Node a = m.get("arrival");
    MapReader am(a, top.file(), "workload.arrival");
    if (am.has("rate")) {
      s.arrival.kind = ArrivalSpec::Kind::kConstant;
      s.arrival.rate_per_ms = parse_rate(am.get("rate"), top.file(), "workload.arrival.rate");
      if (s.arrival.rate_per_ms <= 0) am.fail(am.get("rate"), "rate", "expected a rate above 0");
    } else if (am.has("poisson")) {
      s.arrival.kind = ArrivalSpec::Kind::kPoisson;
      s.arrival.rate_per_ms = parse_rate(am.get("poisson"), top.file(), "workload.arrival.poisson");
      if (s.arrival.rate_per_ms <= 0) {
        am.fail(am.get("poisson"), "poisson", "expected a rate above 0");
      }
    } else if (am.has("ramp")) {
      s.arrival.kind = ArrivalSpec::Kind::kRamp;
      YAML::Node ramp = am.get("ramp");
      if (!ramp.IsSequence() || ramp.size() == 0)
        am.fail(ramp, "ramp", "expected a list of [time, rate]");
      Time last = -1;
      for (const auto& point : ramp) {
        if (!point.IsSequence() || point.size() != 2) {
          am.fail(point, "ramp", "expected each point as [time, rate], e.g. [5m, 2000/s]");
        }
        Duration t;
        if (!point[0].IsScalar() || !parse_duration(point[0].Scalar(), t)) {
          am.fail(point[0], "ramp", "expected a duration like 5m, got '" + point[0].Scalar() + "'");
        }
        if (t <= last) am.fail(point[0], "ramp", "expected ramp times to increase");
        last = t;
        s.arrival.ramp.emplace_back(t, parse_rate(point[1], top.file(), "workload.arrival.ramp"));
      }
      bool arrives = false;
      for (const auto& point : s.arrival.ramp) arrives = arrives || point.second > 0;
      if (!arrives) am.fail(ramp, "ramp", "expected some point with a rate above 0");
    }
    am.finish();
  }
  if (!m.has("mix")) m.fail(YAML::Node(), "mix", "missing; expected a list of {cassette, weight}");
  YAML::Node mix = m.get("mix");
  if (!mix.IsSequence() || mix.size() == 0) m.fail(mix, "mix", "expected a non-empty list");
  int i = 0;
  for (const auto& n : mix) {
    MapReader mm(n, top.file(), "workload.mix[" + std::to_string(i++) + "]");
    MixEntry e;
    e.cassette = resolve(s.path, mm.str("cassette", ""));
    e.weight = static_cast<int>(mm.integer("weight", 1));
    if (e.weight <= 0) mm.fail(n, "weight", "expected a positive integer");
    if (mm.str("cassette", "").empty()) mm.fail(n, "cassette", "missing");
    mm.finish();
    s.mix.push_back(e);
  }
  if (m.has("agent")) {
    MapReader am(m.get("agent"), top.file(), "workload.agent");
    std::string policy = am.str("on_divergence", "retry");
    if (policy == "continue")
      s.agent.on_divergence = AgentSpec::OnDivergence::kContinue;
    else if (policy == "stop")
      s.agent.on_divergence = AgentSpec::OnDivergence::kStop;
    else if (policy == "retry")
      s.agent.on_divergence = AgentSpec::OnDivergence::kRetry;
    else
      am.fail(am.get("on_divergence"), "on_divergence", "expected continue, stop or retry");
    s.agent.retries = static_cast<int>(am.integer("retries", s.agent.retries));
    s.agent.new_key_on_retry = am.boolean("new_key_on_retry", false);
    s.agent.timeout = am.duration("timeout", s.agent.timeout);
    s.agent.retry_delay = am.duration("retry_delay", s.agent.retry_delay);
    am.finish();
  }
  if (m.has("three_d_secure")) {
    MapReader cm(m.get("three_d_secure"), top.file(), "workload.three_d_secure");
    ChallengeSpec& c = s.three_d_secure;
    c.passes = cm.real("passes", c.passes);
    c.fails = cm.real("fails", c.fails);
    for (const char* key : {"passes", "fails"}) {
      double v = std::string(key) == "passes" ? c.passes : c.fails;
      if (v < 0 || v > 1) cm.fail(cm.get(key), key, "expected a number in [0, 1]");
    }
    if (c.passes + c.fails > 1) {
      cm.fail(cm.get(cm.has("fails") ? "fails" : "passes"), cm.has("fails") ? "fails" : "passes",
              "passes + fails is more than 1 (the rest are the shoppers who walk away)");
    }
    if (cm.has("after")) {
      c.after = parse_latency(cm.get("after"), top.file(), "workload.three_d_secure.after");
    }
    cm.finish();
  }
  s.drain = m.duration("drain", s.drain);
  m.finish();
}

// A rule on one provider naming another provider's op would never strike. Token faults sit
// on identity but strike where the token is used, so they may name those calls.
void check_op_belongs(MapReader& m, const FaultRule& r, const std::string& op) {
  static const std::pair<FaultTarget, Provider> kProviders[] = {
      {FaultTarget::kCatalog, Provider::kCatalog},
      {FaultTarget::kPayment, Provider::kPayment},
      {FaultTarget::kBooking, Provider::kBooking},
      {FaultTarget::kIdentity, Provider::kIdentity}};
  const bool token_fault =
      r.kind == FaultKind::kTokenExpiry || r.kind == FaultKind::kRefreshRevoked;
  if (token_fault && (r.op == Op::kAuthorize || r.op == Op::kHold || r.op == Op::kConfirm)) return;
  for (const auto& [target, provider] : kProviders) {
    if (r.target == target && provider_of(r.op) != provider) {
      m.fail(m.get("op"), "op",
             "op '" + op + "' belongs to " + std::string(provider_name(provider_of(r.op))) +
                 ", not " + std::string(provider_name(provider)) + "; this rule would never fire");
    }
  }
}

FaultRule parse_fault(const YAML::Node& n, const std::string& file, int index) {
  std::string field = "faults[" + std::to_string(index) + "]";
  MapReader m(n, file, field);
  FaultRule r;
  r.line = line_of(n);
  std::string provider = m.str("provider", "");
  if (provider == "catalog")
    r.target = FaultTarget::kCatalog;
  else if (provider == "payment")
    r.target = FaultTarget::kPayment;
  else if (provider == "booking")
    r.target = FaultTarget::kBooking;
  else if (provider == "identity")
    r.target = FaultTarget::kIdentity;
  else if (provider == "orchestrator")
    r.target = FaultTarget::kOrchestrator;
  else if (provider == "agent")
    r.target = FaultTarget::kAgent;
  else if (provider == "webhook")
    r.target = FaultTarget::kWebhook;
  else
    m.fail(n, "provider",
           "expected payment, catalog, booking, identity, orchestrator, agent or webhook");

  std::string kind = m.str("kind", "");
  static const std::pair<const char*, FaultKind> kKinds[] = {
      {"outage", FaultKind::kOutage},
      {"error", FaultKind::kError},
      {"latency", FaultKind::kLatency},
      {"timeout", FaultKind::kTimeout},
      {"lost_response", FaultKind::kLostResponse},
      {"rate_limit", FaultKind::kRateLimit},
      {"token_expiry", FaultKind::kTokenExpiry},
      {"refresh_revoked", FaultKind::kRefreshRevoked},
      {"hold_expiry", FaultKind::kHoldExpiry},
      {"crash", FaultKind::kCrash},
      {"duplicate_action", FaultKind::kDuplicateAction},
      {"malformed_action", FaultKind::kMalformedAction},
      {"reset", FaultKind::kReset},
      {"delay", FaultKind::kWebhookDelay},
      {"duplicate", FaultKind::kWebhookDuplicate},
      {"reorder", FaultKind::kWebhookReorder},
      {"drop", FaultKind::kWebhookDrop},
      {"bad_signature", FaultKind::kWebhookBadSignature},
      {"forge", FaultKind::kWebhookForge},
      {"key_rotation", FaultKind::kKeyRotation}};
  bool found = false;
  for (const auto& [name, k] : kKinds) {
    if (kind == name) {
      r.kind = k;
      found = true;
    }
  }
  if (!found) {
    m.fail(n, "kind",
           "unknown fault kind '" + kind +
               "'; expected one of outage, error, latency, "
               "timeout, lost_response, rate_limit, token_expiry, refresh_revoked, "
               "hold_expiry, crash, duplicate_action, malformed_action, reset, key_rotation "
               "(webhook: delay, "
               "duplicate, reorder, drop, bad_signature, forge)");
  }
  if (m.has("op")) {
    std::string op = m.str("op", "");
    if (r.target == FaultTarget::kAgent) {
      r.action = op;
    } else if (r.target == FaultTarget::kWebhook) {
      if (op.rfind("payment_intent.", 0) != 0 && op.rfind("charge.", 0) != 0) {
        m.fail(m.get("op"), "op",
               "expected a Stripe event type (payment_intent.succeeded, charge.refunded, ...)");
      }
      r.action = op;
    } else if (!parse_op(op, r.op)) {
      m.fail(m.get("op"), "op",
             "unknown op '" + op +
                 "'; expected e.g. authorize, capture, void, "
                 "refund, quote, reserve, commit, release, hold, confirm, token");
    } else {
      r.has_op = true;
      check_op_belongs(m, r, op);
    }
  }
  r.from = m.duration("from", 0);
  r.to = m.has("to") ? m.duration("to", 0) : r.to;
  if (r.to <= r.from) m.fail(n, "to", "expected 'to' after 'from'");
  r.nth = m.integer("nth", 0);
  if (r.nth < 0 || (m.has("nth") && r.nth == 0))
    m.fail(m.get("nth"), "nth", "expected an integer >= 1");
  r.probability = m.real("probability", 1.0);
  if (r.probability < 0 || r.probability > 1)
    m.fail(n, "probability", "expected a number in [0, 1]");
  if (m.has("status")) {
    int64_t status = m.integer("status", 503);
    r.http_status = static_cast<int>(status);
    switch (status) {
      case 429:
        r.error = ErrorCode::kRateLimited;
        break;
      case 401:
        r.error = ErrorCode::kInvalidToken;
        break;
      case 409:
        r.error = ErrorCode::kIdempotencyKeyInUse;
        break;
      case 500:
      case 502:
      case 503:
        r.error = ErrorCode::kUnavailable;
        break;
      case 504:
        r.error = ErrorCode::kTimeout;
        break;
      case 400:
        r.error = ErrorCode::kBadRequest;
        break;
      case 402:
        r.error = ErrorCode::kCardDeclined;
        break;
      default:
        m.fail(m.get("status"), "status",
               "expected one of 400, 401, 402, 409, 429, 500, 502, 503, 504");
    }
  }
  if (m.has("delay")) r.latency = parse_latency(m.get("delay"), file, field + ".delay");
  r.retry_after = m.duration("retry_after", r.retry_after);
  r.ttl = m.duration("ttl", r.ttl);
  r.at = m.has("at") ? m.duration("at", 0) : -1;
  r.restart_after = m.duration("restart_after", r.restart_after);
  r.new_key = m.boolean("new_key", false);
  r.grace = m.boolean("grace", true);
  if (m.has("stream")) {
    r.stream = m.integer("stream", 0);
    if (r.stream < 0) m.fail(m.get("stream"), "stream", "expected an integer >= 0");
  }
  m.finish();
  if (r.kind == FaultKind::kWebhookForge && !r.action.empty() &&
      r.action != "payment_intent.requires_action") {
    m.fail(m.get("op"), "op",
           "forge strikes only payment_intent.requires_action (a payment still waiting for 3-D "
           "Secure), so on '" +
               r.action + "' it could never fire");
  }

  bool agent_kind = r.kind == FaultKind::kDuplicateAction || r.kind == FaultKind::kMalformedAction;
  if (agent_kind != (r.target == FaultTarget::kAgent)) {
    m.fail(n, "provider",
           std::string(fault_kind_name(r.kind)) +
               (agent_kind ? " needs provider: agent" : " does not apply to the agent"));
  }
  if (is_webhook_fault(r.kind) != (r.target == FaultTarget::kWebhook)) {
    m.fail(n, "provider",
           std::string(fault_kind_name(r.kind)) +
               (is_webhook_fault(r.kind) ? " needs provider: webhook"
                                         : " does not apply to webhook delivery (expected "
                                           "delay, duplicate, reorder, drop or bad_signature)"));
  }
  if (r.kind == FaultKind::kKeyRotation && r.target != FaultTarget::kIdentity) {
    m.fail(n, "provider", "key_rotation applies to provider: identity");
  }
  if ((r.kind == FaultKind::kCrash) != (r.target == FaultTarget::kOrchestrator)) {
    m.fail(n, "provider", "crash applies to provider: orchestrator, and only crash does");
  }
  // A crash at a saga step: `op` names the step, `nth` which occurrence (default first).
  if (r.kind == FaultKind::kCrash && r.at < 0 && r.nth == 0) r.nth = 1;
  return r;
}

// One step of a --set path: a key, then any number of [index] into lists ("faults[0]").
struct PathStep {
  std::string key;
  std::vector<std::size_t> indices;
};

PathStep parse_path_step(const std::string& part, const std::string& path) {
  PathStep step;
  std::size_t bracket = part.find('[');
  step.key = part.substr(0, bracket);
  if (step.key.empty()) throw InputError("--set", 0, path, "empty path component");
  while (bracket != std::string::npos) {
    std::size_t close = part.find(']', bracket);
    std::size_t index = 0;
    const char* b = part.data() + bracket + 1;
    const char* e = part.data() + (close == std::string::npos ? part.size() : close);
    auto [p, ec] = std::from_chars(b, e, index);
    if (close == std::string::npos || b == e || ec != std::errc() || p != e) {
      throw InputError("--set", 0, path, "expected key[N] with a list index N >= 0");
    }
    step.indices.push_back(index);
    bracket = close + 1 < part.size() ? part.find('[', close + 1) : std::string::npos;
    if (bracket == std::string::npos && close + 1 < part.size()) {
      throw InputError("--set", 0, path, "expected key[N] with a list index N >= 0");
    }
  }
  return step;
}

// The list item a path names; it must exist: --set changes a scenario, it does not grow one.
YAML::Node list_item(YAML::Node list, std::size_t index, const std::string& path) {
  if (!list.IsSequence()) throw InputError("--set", 0, path, "not a list in this scenario");
  if (index >= list.size()) {
    throw InputError("--set", 0, path,
                     "index " + std::to_string(index) + " is past the end of a list of " +
                         std::to_string(list.size()));
  }
  return list[index];
}

void apply_override(YAML::Node root, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InputError("--set", 0, assignment, "expected key.path=value");
  }
  std::string key = assignment.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw InputError("--set", 0, key, "value is not valid YAML: " + e.msg);
  }
  // yaml-cpp nodes are references: assigning one Node to another writes through it, so each
  // step down the path is a new Node in `chain`, never an assignment.
  std::vector<YAML::Node> chain{root};
  std::size_t start = 0;
  while (true) {
    auto dot = key.find('.', start);
    PathStep step = parse_path_step(
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start), key);
    if (!chain.back().IsMap() && chain.back().IsDefined() && !chain.back().IsNull()) {
      throw InputError("--set", 0, key, "'" + step.key + "' is not under a mapping");
    }
    const bool last = dot == std::string::npos;
    if (step.indices.empty()) {
      if (last) {
        chain.back()[step.key] = value;
        return;
      }
      chain.push_back(chain.back()[step.key]);
    } else {
      chain.push_back(chain.back()[step.key]);
      for (std::size_t k = 0; k + 1 < step.indices.size(); ++k) {
        chain.push_back(list_item(chain.back(), step.indices[k], key));
      }
      const std::size_t index = step.indices.back();
      YAML::Node item = list_item(chain.back(), index, key);
      if (last) {
        chain.back()[index] = value;
        return;
      }
      chain.push_back(item);
    }
    start = dot + 1;
  }
}

}  // namespace

const char* fault_kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::kOutage:
      return "outage";
    case FaultKind::kError:
      return "error";
    case FaultKind::kLatency:
      return "latency";
    case FaultKind::kTimeout:
      return "timeout";
    case FaultKind::kLostResponse:
      return "lost_response";
    case FaultKind::kRateLimit:
      return "rate_limit";
    case FaultKind::kTokenExpiry:
      return "token_expiry";
    case FaultKind::kRefreshRevoked:
      return "refresh_revoked";
    case FaultKind::kHoldExpiry:
      return "hold_expiry";
    case FaultKind::kCrash:
      return "crash";
    case FaultKind::kDuplicateAction:
      return "duplicate_action";
    case FaultKind::kMalformedAction:
      return "malformed_action";
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kWebhookDelay:
      return "delay";
    case FaultKind::kWebhookDuplicate:
      return "duplicate";
    case FaultKind::kWebhookReorder:
      return "reorder";
    case FaultKind::kWebhookDrop:
      return "drop";
    case FaultKind::kWebhookBadSignature:
      return "bad_signature";
    case FaultKind::kWebhookForge:
      return "forge";
    case FaultKind::kKeyRotation:
      return "key_rotation";
  }
  return "?";
}

const char* fault_target_name(FaultTarget t) {
  switch (t) {
    case FaultTarget::kCatalog:
      return "catalog";
    case FaultTarget::kPayment:
      return "payment";
    case FaultTarget::kBooking:
      return "booking";
    case FaultTarget::kIdentity:
      return "identity";
    case FaultTarget::kOrchestrator:
      return "orchestrator";
    case FaultTarget::kAgent:
      return "agent";
    case FaultTarget::kWebhook:
      return "webhook";
  }
  return "?";
}

std::string describe_fault(const FaultRule& rule, std::size_t index) {
  std::string out = "faults[" + std::to_string(index) + "]: ";
  out += fault_target_name(rule.target);
  if (rule.has_op) out += " " + std::string(op_name(rule.op));
  if (!rule.action.empty()) out += " " + rule.action;
  return out + " " + fault_kind_name(rule.kind);
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

void check_existing_orders(const Scenario& s) {
  for (const auto& o : s.existing.orders) {
    int64_t priced = 0;
    for (const auto& item : o.items) {
      auto sku = std::find_if(s.skus.begin(), s.skus.end(),
                              [&](const SkuSpec& k) { return k.id == item.sku; });
      if (sku == s.skus.end()) {
        throw InputError(
            o.origin, o.line, o.field,
            "expected SKUs of the world (a world file's skus:), got '" + item.sku + "'");
      }
      priced += sku->price * item.quantity;
    }
    const std::string at = o.field.substr(0, o.field.rfind('.'));
    check_paid_stored_value(s, o.paid_stored_value, o.user, o.paid < 0 ? priced : o.paid, o.origin,
                            o.line, at);
  }
}

void check_existing_bookings(const Scenario& s) {
  check_existing_orders(s);
  for (const auto& b : s.existing.bookings) {
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
    check_paid_stored_value(s, b.paid_stored_value, b.user, b.paid < 0 ? priced : b.paid, b.origin,
                            b.line, at);
  }
}

void load_world_file(Scenario& s, const std::string& path) {
  try {
    load_world_catalog(s, path);
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg);
  }
}

Scenario default_scenario() {
  Scenario s;
  s.latency[static_cast<int>(Provider::kCatalog)] = {LatencySpec::Kind::kLognormal, 15, 60};
  s.latency[static_cast<int>(Provider::kPayment)] = {LatencySpec::Kind::kLognormal, 120, 900};
  s.latency[static_cast<int>(Provider::kBooking)] = {LatencySpec::Kind::kLognormal, 200, 1200};
  s.latency[static_cast<int>(Provider::kIdentity)] = {LatencySpec::Kind::kLognormal, 30, 150};
  return s;
}

namespace {

std::vector<FaultRule> fault_rules_of(const YAML::Node& root, const std::string& origin) {
  std::vector<FaultRule> out;
  if (root.IsMap() && !root["faults"]) {  // one rule on its own
    out.push_back(parse_fault(root, origin, 0));
    return out;
  }
  if (root.IsMap()) {
    for (const auto& kv : root) {
      if (kv.first.Scalar() != "faults") {
        throw InputError(origin, line_of(kv.first), kv.first.Scalar(),
                         "unknown key; expected 'faults'");
      }
    }
  }
  // yaml-cpp nodes are references: pick the list without assigning over `root`.
  const YAML::Node list = root.IsMap() ? root["faults"] : root;
  if (!list || !list.IsSequence()) {
    throw InputError(origin, line_of(root), "faults",
                     "expected a fault rule, or a list of them, bare or under 'faults:'");
  }
  int i = 0;
  for (const auto& n : list) out.push_back(parse_fault(n, origin, i++));
  return out;
}

}  // namespace

std::vector<FaultRule> load_faults_file(const std::string& path) {
  return fault_rules_of(load_yaml_file(path, "faults file"), path);
}

std::vector<FaultRule> parse_fault_rules(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(origin, e.mark.line + 1, "", "not YAML or JSON: " + e.msg);
  }
  return fault_rules_of(root, origin);
}

namespace {

// `faults_fired: all`: every fault rule struck at least once, else the scenario proves
// nothing about the faults it names. A gate on fault_rules_never_fired == 0.
Gate faults_fired_gate(const Scenario& s, const YAML::Node& value, const std::string& path) {
  if (!value.IsScalar() || value.Scalar() != "all") {
    throw InputError(path, line_of(value), "expect.faults_fired",
                     "expected `all` (every fault rule fires at least once)");
  }
  if (s.faults.empty()) {
    throw InputError(path, line_of(value), "expect.faults_fired",
                     "`all` gates on the scenario's fault rules, but `faults:` declares none");
  }
  return Gate{"fault_rules_never_fired", "==", 0, "0 (faults_fired: all)"};
}

Scenario read_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  YAML::Node root = load_yaml_file(path, "scenario");
  if (!root.IsMap())
    throw InputError(path, line_of(root), "", "expected a mapping at the top level");
  for (const auto& o : overrides) apply_override(root, o);
  Scenario s = default_scenario();
  s.path = path;
  MapReader top(root, path, "");
  s.name = top.str("scenario", fs::path(path).stem().string());
  s.description = top.str("description", "");
  const int64_t seed = top.integer("seed", 1);
  if (seed < 0) top.fail(top.get("seed"), "seed", "expected an integer >= 0");
  s.seed = static_cast<uint64_t>(seed);
  parse_world(s, top);
  check_existing_bookings(s);
  if (top.has("oauth_clients")) load_oauth_clients(s, top.get("oauth_clients"), path);
  parse_orchestrator(s, top);
  parse_workload(s, top);
  if (top.has("faults")) {
    YAML::Node list = top.get("faults");
    if (!list.IsSequence()) top.fail(list, "faults", "expected a list of fault rules");
    int i = 0;
    for (const auto& n : list) s.faults.push_back(parse_fault(n, path, i++));
  }
  if (top.has("expect")) {
    MapReader em(top.get("expect"), path, "expect");
    for (const auto& kv : top.get("expect")) {
      std::string metric = kv.first.Scalar();
      if (metric == "faults_fired") {
        s.expect.push_back(faults_fired_gate(s, kv.second, path));
        continue;
      }
      if (!is_known_metric(metric)) {
        throw InputError(path, line_of(kv.first), "expect." + metric,
                         unknown_metric_message(metric));
      }
      Gate g;
      if (!kv.second.IsScalar() || !parse_gate(metric, kv.second.Scalar(), g)) {
        throw InputError(path, line_of(kv.second), "expect." + metric,
                         "expected a number or a comparison like \">= 0.95\" or \"<= 8000\"");
      }
      g.text = kv.second.Scalar();
      s.expect.push_back(g);
    }
  }
  top.finish();
  s.orchestrator.seed = s.seed;
  return s;
}

}  // namespace

YAML::Node scenario_document(const std::string& path, const std::vector<std::string>& overrides) {
  try {
    YAML::Node root = load_yaml_file(path, "scenario");
    for (const auto& o : overrides) apply_override(root, o);
    return root;
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
                     "unexpected YAML shape: " + e.msg);
  }
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  try {
    return read_scenario(path, overrides);
  } catch (const YAML::Exception& e) {
    // Every field is read with its shape checked first; this is the net under what a reader
    // missed, so that a shape no one foresaw is still bad input, not a crash.
    throw InputError(path, e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
                     "unexpected YAML shape: " + e.msg);
  }
}

}  // namespace checkride
