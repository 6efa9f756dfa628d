// The control API under /__checkride/: fault rules at run time (Toxiproxy-style, in the
// scenario's `faults:` shape), the ledger, the ground-truth report, shoppers, the clock and
// reset.
#include <httplib.h>

#include <charconv>

#include "protocol/crypto.h"
#include "protocol/input_error.h"
#include "protocol/json_input.h"
#include "scenario/checkers.h"
#include "scenario/evidence.h"
#include "scenario/fault_counts.h"
#include "wire/fakes/face_guard.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/stripe_webhooks.h"
#include "wire/fakes/wire_call.h"
#include "wire/fakes/wire_names.h"

namespace checkride {
namespace {

// Virtual time moves forward by at most this much per request: far past any TTL, far from
// overflowing the clock.
constexpr int64_t kMaxClockAdvance = 10LL * 365 * 24 * 3600 * 1000;
// Fault rules are checked on every provider call: bounded per request and in total, so a
// bulk request neither holds the world lock for long nor grows without end.
constexpr std::size_t kMaxRulesPerRequest = 1000;
constexpr std::size_t kMaxRules = 10000;
// The control API's bodies are small JSON documents.
constexpr std::size_t kMaxControlBody = 1 << 20;
// Session outcomes held between report pages: a drive of 5.5 hours at 100 sessions a second.
constexpr std::size_t kMaxPagedSessions = 2'000'000;

nlohmann::json rule_json(uint64_t id, const FaultRule& r) {
  nlohmann::json j = {{"id", id},
                      {"provider", fault_target_name(r.target)},
                      {"kind", fault_kind_name(r.kind)},
                      {"from_ms", r.from},
                      {"probability", r.probability}};
  if (r.has_op) j["op"] = std::string(op_name(r.op));
  if (!r.action.empty()) j["op"] = r.action;  // an agent action or a webhook event type
  if (r.to != std::numeric_limits<Time>::max()) j["to_ms"] = r.to;
  if (r.nth > 0) j["nth"] = r.nth;
  if (r.kind == FaultKind::kError) j["status"] = r.http_status;
  if (r.kind == FaultKind::kRateLimit || r.kind == FaultKind::kError)
    j["retry_after_ms"] = r.retry_after;
  return j;
}

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void bad_request(httplib::Response& res, const std::string& message) {
  json_reply(res, 400, {{"error", {{"code", "bad_request"}, {"message", message}}}});
}

nlohmann::json ledger_json(FakeState& state) {
  World& w = state.world();
  nlohmann::json payments = nlohmann::json::array();
  w.payments.intents().for_each([&](uint64_t id, const PaymentsFake::PaymentIntent& pi) {
    payments.push_back({{"id", wire_name("pi", id)},
                        {"customer", wire_name("user", pi.owner)},
                        {"amount", pi.amount},
                        {"status", std::string(PaymentsFake::status_name(pi.status))},
                        {"captured", pi.captured_at > 0},
                        {"received", pi.received},
                        {"refunded", pi.refunded}});
  });
  nlohmann::json reservations = nlohmann::json::array();
  static const char* kRes[] = {"held", "committed", "released", "expired"};
  w.catalog.reservations().for_each([&](uint64_t id, const CatalogFake::Reservation& r) {
    reservations.push_back({{"id", wire_name("res", id)},
                            {"customer", wire_name("user", r.user)},
                            {"state", kRes[static_cast<int>(r.state)]},
                            {"released_by_caller", r.released_by_caller}});
  });
  nlohmann::json orders = nlohmann::json::array();
  w.catalog.orders().for_each([&](uint64_t id, const CatalogFake::Order& o) {
    orders.push_back({{"id", wire_name("ord", id)},
                      {"customer", wire_name("user", o.user)},
                      {"total", o.total},
                      {"units", o.units},
                      {"cancelled", o.cancelled}});
  });
  nlohmann::json holds = nlohmann::json::array();
  static const char* kHold[] = {"held", "confirmed", "released", "expired", "cancelled"};
  w.bookings.holds().for_each([&](uint64_t id, const BookingsFake::Hold& h) {
    holds.push_back({{"id", wire_name("hold", id)},
                     {"customer", wire_name("user", h.user)},
                     {"seats", h.seats},
                     {"total", h.total},
                     {"state", kHold[static_cast<int>(h.state)]},
                     {"released_by_caller", h.released_by_caller}});
  });
  nlohmann::json skus = nlohmann::json::array();
  for (const auto& s : w.catalog.skus()) {
    skus.push_back({{"id", s.spec.id},
                    {"stock", s.spec.stock},
                    {"available", s.available},
                    {"committed", s.committed}});
  }
  nlohmann::json offers = nlohmann::json::array();
  for (const auto& o : w.bookings.offers()) {
    offers.push_back({{"id", o.spec.id},
                      {"capacity", o.spec.capacity},
                      {"available", o.available},
                      {"confirmed", o.confirmed}});
  }
  return {{"now_ms", state.now()},
          {"payment_intents", payments},
          {"reservations", reservations},
          {"orders", orders},
          {"holds", holds},
          {"skus", skus},
          {"offers", offers},
          {"profile_writes", w.catalog.profile_writes()},  // users' details written at the shop
          {"users", state.last_user()}};
}

// Sessions drive dropped (too late to start) or could not start (the control API failed)
// were never tested, and a session whose settlement the orchestrator never stated (down
// through the drain) may still reconcile: what the ledger shows of it now is a snapshot.
// Each is a gate at 0 unless the scenario's expect: sets its own bound.
std::vector<Gate> drive_gates(std::vector<Gate> gates,
                              const std::map<std::string, double>& metrics) {
  for (const char* metric : {"drive_sessions_dropped", "drive_sessions_unstarted",
                             "drive_sessions_settlement_unknown"}) {
    bool bounded = false;
    for (const Gate& g : gates) bounded = bounded || g.metric == metric;
    if (bounded || !metrics.count(metric)) continue;
    Gate g;
    parse_gate(metric, "0", g);
    g.text = "0 (drive's default)";
    gates.push_back(g);
  }
  return gates;
}

// The ground-truth report: the checkers read this world's ledgers; the agent's view comes
// from the body (drive posts it), else every user counts as a finished session with no
// intent, which still checks money, stock, holds and duplicates.
bool ground_truth(FakeState& state, const nlohmann::json& body, nlohmann::json& out,
                  std::string& error) {
  std::vector<CompiledTemplate> templates;
  if (body.contains("templates")) {
    for (const auto& t : body["templates"]) {
      CompiledTemplate ct;
      ct.name = string_field(t, "name", "");
      ct.recorded_success = bool_field(t, "recorded_success", false);
      if (t.contains("tools") && t["tools"].is_object()) {
        for (const auto& [tool, c] : t["tools"].items()) {
          if (!c.is_object()) continue;
          ct.tools[tool] = ToolCallCount{uint_field(c, "calls", 0), uint_field(c, "mapped", 0),
                                         uint_field(c, "notes", 0)};
        }
      }
      templates.push_back(std::move(ct));
    }
  }
  const bool agent_view = !templates.empty();
  if (templates.empty()) {
    CompiledTemplate wire;
    wire.name = "wire";
    templates.push_back(std::move(wire));
  }
  Checkers checkers(state.scenario(), templates);
  World& w = state.world();
  // A run's sessions come in the body, or in pages posted before it (a large run's outcomes
  // do not fit one request body).
  const bool paged = bool_field(body, "paged_sessions", false);
  if (body.contains("sessions") || paged) {
    static const nlohmann::json kNone = nlohmann::json::array();
    const nlohmann::json& posted = body.contains("sessions") ? body["sessions"] : kNone;
    for (const nlohmann::json* list : {paged ? &state.report_pages() : &kNone, &posted}) {
      if (!list->is_array()) continue;
      for (const auto& s : *list) {
        SessionId user = 0;
        SessionOutcome o;
        if (!parse_session_outcome(s, templates.size(), user, o, error)) return false;
        checkers.check_session(user, o, w);
      }
    }
  } else {
    for (UserId u = 0; u <= state.last_user(); ++u) {
      if (u == 0 && w.payments.intents_of(0).empty()) continue;
      SessionOutcome o;
      o.flags = SessionOutcome::kStarted | SessionOutcome::kFinished;
      checkers.check_session(u, o, w);
    }
  }
  Report r = checkers.finish(w);
  report_fault_counts(state.plan(), r);  // a drive's fault_rules_never_fired gate reads these
  if (body.contains("latency")) {
    for (const auto& [name, h] : body["latency"].items())
      r.latency[name] = LogHistogram::from_json(h);
  }
  if (body.contains("metrics")) {
    for (const auto& [name, v] : body["metrics"].items()) {
      if (v.is_number()) r.metrics[name] = v.get<double>();
    }
  }
  // With drive's view of the sessions, a drive that exercised nothing is no evidence.
  if (agent_view) judge_evidence(r, templates);
  r.gates = evaluate_gates(drive_gates(state.scenario().expect, r.metrics), r.metrics);
  out = {
      {"report", report_to_json(r)}, {"markdown", report_to_markdown(r)}, {"passed", r.passed()}};
  return true;
}

// The control API's routes, one handler each. Every handler takes the world's lock itself,
// after what it can check without it.
void control_health(FakeState& state, const httplib::Request&, httplib::Response& res) {
  std::lock_guard<HeldMutex> lock(state.mu);
  json_reply(res, 200,
             {{"status", "ok"},
              {"now_ms", state.now()},
              {"scenario", state.scenario().name},
              {"world", state.world_id()}});
}

void control_list_faults(FakeState& state, const httplib::Request&, httplib::Response& res) {
  std::lock_guard<HeldMutex> lock(state.mu);
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < state.rules().size(); ++i) {
    const auto& [id, r] = state.rules()[i];
    list.push_back(rule_json(id, r));
    list.back()["fired"] = state.fired(i);
  }
  json_reply(res, 200, {{"faults", list}});
}

// Fault rules added while serving: provider faults only, at most kMaxRules at once.
void control_add_faults(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  std::vector<FaultRule> rules;
  try {
    rules = parse_fault_rules(req.body, "POST /__checkride/faults body");
  } catch (const InputError& e) {
    return bad_request(res, e.what());
  }
  if (rules.size() > kMaxRulesPerRequest) {
    return bad_request(res, "at most " + std::to_string(kMaxRulesPerRequest) +
                                " fault rules per request, got " + std::to_string(rules.size()));
  }
  for (const auto& r : rules) {
    if (r.target == FaultTarget::kAgent || r.target == FaultTarget::kOrchestrator) {
      return bad_request(res,
                         "the fakes apply provider faults only (payment, catalog, booking, "
                         "identity); agent and orchestrator faults belong to the driver");
    }
  }
  std::lock_guard<HeldMutex> lock(state.mu);
  if (state.rules().size() + rules.size() > kMaxRules) {
    return json_reply(res, 409,
                      {{"error",
                        {{"code", "too_many_fault_rules"},
                         {"message", "at most " + std::to_string(kMaxRules) +
                                         " fault rules at once; DELETE some first"}}}});
  }
  nlohmann::json added = nlohmann::json::array();
  for (const auto& r : rules) added.push_back(rule_json(state.add_rule(r), r));
  json_reply(res, 201, {{"faults", added}});
}

void control_remove_fault(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  std::lock_guard<HeldMutex> lock(state.mu);
  const std::string digits = req.matches[1].str();
  uint64_t index = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  const bool parsed = ec == std::errc() && end == digits.data() + digits.size();
  if (!parsed || !state.remove_rule(index)) {
    return json_reply(
        res, 404,
        {{"error", {{"code", "not_found"}, {"message", "no fault rule " + req.matches[1].str()}}}});
  }
  res.status = 204;
}

void control_clear_faults(FakeState& state, const httplib::Request&, httplib::Response& res) {
  std::lock_guard<HeldMutex> lock(state.mu);
  state.clear_rules();
  res.status = 204;
}

void control_ledger(FakeState& state, const httplib::Request&, httplib::Response& res) {
  std::lock_guard<HeldMutex> lock(state.mu);
  json_reply(res, 200, ledger_json(state));
}

// The ground-truth report; a drive POSTs what it played.
void control_report(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = nlohmann::json::object();
  if (!req.body.empty()) {
    body = parse_json_or_discarded(req.body);
    if (body.is_discarded() || !body.is_object()) return bad_request(res, "expected a JSON object");
  }
  std::lock_guard<HeldMutex> lock(state.mu);
  nlohmann::json out;
  std::string error;
  try {
    if (!ground_truth(state, body, out, error)) return bad_request(res, error);
  } catch (const nlohmann::json::exception& e) {
    return bad_request(res, std::string("malformed report request: ") + e.what());
  }
  state.report_pages() = nlohmann::json::array();  // a page belongs to one report
  json_reply(res, 200, out);
}

// A page of a run's session outcomes, kept for the report request that follows.
void control_report_page(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = parse_json_or_discarded(req.body);
  if (body.is_discarded() || !body.is_object() || !body.contains("sessions") ||
      !body["sessions"].is_array()) {
    return bad_request(res, "expected {\"sessions\": [outcome, ...]}");
  }
  std::lock_guard<HeldMutex> lock(state.mu);
  nlohmann::json& pages = state.report_pages();
  if (pages.size() + body["sessions"].size() > kMaxPagedSessions) {
    return bad_request(
        res, "more than " + std::to_string(kMaxPagedSessions) + " sessions held for one report");
  }
  for (auto& s : body["sessions"]) pages.push_back(std::move(s));
  json_reply(res, 201, {{"held", pages.size()}});
}

void control_add_shopper(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body =
      req.body.empty() ? nlohmann::json::object() : parse_json_or_discarded(req.body);
  if (body.is_discarded() || !body.is_object()) return bad_request(res, "expected a JSON object");
  CardBehaviour card = CardBehaviour::kSucceeds;
  std::string pm = body.contains("card") && body["card"].is_string()
                       ? body["card"].get<std::string>()
                       : "pm_card_visa";
  if (!parse_card_behaviour(pm, card)) {
    return bad_request(res,
                       "card: expected one of Stripe's test payment methods (pm_card_visa, ...)");
  }
  std::string user_id = string_field(body, "user_id", "");
  if (user_id.size() > 256) return bad_request(res, "user_id: expected at most 256 characters");
  std::lock_guard<HeldMutex> lock(state.mu);
  Shopper s = state.add_shopper(card, kAllApiScopes, user_id);
  json_reply(res, 201,
             {{"user", s.user},
              {"customer", wire_name("user", s.user)},
              {"payment_method", wire_name("pm", s.method)},
              {"access_token", state.token_name(s.grant.access_token, false)},
              {"refresh_token", state.token_name(s.grant.refresh_token, true)},
              {"expires_in_ms", s.grant.expires_at - state.now()},
              {"scopes", s.grant.scopes}});
}

void control_advance_clock(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = parse_json_or_discarded(req.body);
  if (body.is_discarded() || !body.contains("advance_ms") ||
      !body["advance_ms"].is_number_integer() || body["advance_ms"].get<int64_t>() < 0 ||
      body["advance_ms"].get<int64_t>() > kMaxClockAdvance) {
    return bad_request(res, "expected {\"advance_ms\": an integer from 0 to " +
                                std::to_string(kMaxClockAdvance) + " (ten years)}");
  }
  std::lock_guard<HeldMutex> lock(state.mu);
  state.advance_clock(body["advance_ms"].get<int64_t>());
  json_reply(res, 200, {{"now_ms", state.now()}});
}

// The customer's side of 3-D Secure: the challenge passed or failed. The intent moves on
// and its webhook events go out, as when Stripe.js completes it in a browser.
void control_authenticate(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = parse_json_or_discarded(req.body);
  std::string outcome = body.is_object() ? string_field(body, "outcome", "") : "";
  if (outcome != "succeeded" && outcome != "failed") {
    return bad_request(res, "expected {\"outcome\": \"succeeded\" or \"failed\"}");
  }
  uint64_t id = 0;
  std::lock_guard<HeldMutex> lock(state.mu);
  if (!parse_wire_name(req.matches[1].str(), "pi", id) ||
      !finish_authentication(state, id, outcome == "succeeded", state.now())) {
    return json_reply(
        res, 409,
        {{"error",
          {{"code", "invalid_state"},
           {"message", "no payment intent '" + req.matches[1].str() + "' waits for 3-D Secure"}}}});
  }
  json_reply(res, 200, {{"payment_intent", req.matches[1].str()}, {"outcome", outcome}});
}

void control_reset(FakeState& state, const httplib::Request&, httplib::Response& res) {
  std::lock_guard<HeldMutex> lock(state.mu);
  state.reset();
  json_reply(res, 200, {{"now_ms", state.now()}});
}

using ControlHandler = void (*)(FakeState&, const httplib::Request&, httplib::Response&);
struct ControlRoute {
  const char* method;
  const char* pattern;
  ControlHandler handler;
};
const ControlRoute kControlRoutes[] = {
    {"GET", "/__checkride/health", control_health},
    {"GET", "/__checkride/faults", control_list_faults},
    {"POST", "/__checkride/faults", control_add_faults},
    {"DELETE", R"(/__checkride/faults/(\d+))", control_remove_fault},
    {"DELETE", "/__checkride/faults", control_clear_faults},
    {"GET", "/__checkride/ledger", control_ledger},
    {"GET", "/__checkride/report", control_report},
    {"POST", "/__checkride/report", control_report},
    {"POST", "/__checkride/report/sessions", control_report_page},
    {"POST", "/__checkride/shoppers", control_add_shopper},
    {"POST", "/__checkride/clock", control_advance_clock},
    {"POST", R"(/__checkride/payment_intents/([^/]+)/authenticate)", control_authenticate},
    {"POST", "/__checkride/reset", control_reset},
};

// A host name without its port: "127.0.0.1:12115" -> "127.0.0.1", "[::1]:9" -> "[::1]".
std::string without_port(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

bool loopback_name(const std::string& name) {
  return name == "localhost" || name == "[::1]" || name.rfind("127.", 0) == 0;
}

// Any web page open on a developer's machine can send a "simple" cross-site request
// (text/plain, no preflight) to a loopback port, and rebind a name of its own to 127.0.0.1.
// So the control API answers JSON bodies only, to no foreign Origin, and, without a token,
// only under a loopback Host. "" when the request may pass; else why not.
std::string browser_refusal(const std::string& token, const httplib::Request& req, int& status) {
  status = 403;
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty()) {
    std::string host =
        origin.substr(origin.find("://") == std::string::npos ? 0 : origin.find("://") + 3);
    if (!loopback_name(without_port(host))) return "a foreign Origin (" + origin + ")";
  }
  if (token.empty() && !loopback_name(without_port(req.get_header_value("Host")))) {
    return "Host '" + req.get_header_value("Host") + "' is not a loopback name";
  }
  const std::string type = req.get_header_value("Content-Type");
  // Before routing the body is not read yet: its headers say whether one comes.
  const bool has_body =
      req.has_header("Transfer-Encoding") ||
      (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
  if (has_body && type.substr(0, type.find(';')) != "application/json") {
    status = 415;
    return "a body of type '" + type + "': the control API takes application/json";
  }
  return "";
}

// Before any route: clean requests only, under /__checkride/, with the control token.
httplib::Server::HandlerResponse guard_control(const std::string& token,
                                               const httplib::Request& req,
                                               httplib::Response& res) {
  if (refuse_unclean(req, res, ErrorStyle::kJson)) return httplib::Server::HandlerResponse::Handled;
  if (req.path.rfind("/__checkride/", 0) != 0) {
    json_reply(res, 404,
               {{"error",
                 {{"code", "not_found"}, {"message", "control routes live under /__checkride/"}}}});
    return httplib::Server::HandlerResponse::Handled;
  }
  int status = 0;
  if (std::string why = browser_refusal(token, req, status); !why.empty()) {
    json_reply(res, status,
               {{"error",
                 {{"code", status == 415 ? "unsupported_media_type" : "forbidden"},
                  {"message", "refused: " + why}}}});
    return httplib::Server::HandlerResponse::Handled;
  }
  if (!token.empty() && !constant_time_equal(credential_of(req), token)) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"checkride-control\"");
    json_reply(res, 401,
               {{"error",
                 {{"code", "unauthorized"},
                  {"message", "control API needs the --control-token as a Bearer credential"}}}});
    return httplib::Server::HandlerResponse::Handled;
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

}  // namespace

void mount_control(httplib::Server& server, FakeState& state, const std::string& token) {
  server.set_payload_max_length(kMaxControlBody);
  server.set_pre_routing_handler([token](const httplib::Request& req, httplib::Response& res) {
    return guard_control(token, req, res);
  });
  for (const ControlRoute& route : kControlRoutes) {
    auto handler = [&state, h = route.handler](const httplib::Request& req,
                                               httplib::Response& res) { h(state, req, res); };
    const std::string method = route.method;
    if (method == "GET") server.Get(route.pattern, handler);
    if (method == "POST") server.Post(route.pattern, handler);
    if (method == "DELETE") server.Delete(route.pattern, handler);
  }
}

}  // namespace checkride
