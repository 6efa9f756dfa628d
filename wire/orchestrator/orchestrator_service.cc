#include "wire/orchestrator/orchestrator_service.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <iostream>

#include "orchestrator/defects.h"
#include "protocol/action_wire.h"
#include "protocol/crypto.h"
#include "protocol/guarded_server.h"
#include "protocol/invariant.h"
#include "protocol/json_input.h"
#include "protocol/stripe_webhook.h"

namespace checkride {
namespace {

uint64_t from_sql_seq(int64_t v) { return static_cast<uint64_t>(v); }

// A grant's space-separated scopes as bits; false, naming it, at the first unknown one.
bool scopes_of(const std::string& text, uint32_t& scopes, std::string& unknown) {
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    uint32_t bit = 0;
    std::string name = text.substr(at, end - at);
    if (!name.empty() && !parse_scope(name, bit)) {
      unknown = name;
      return false;
    }
    scopes |= bit;
    at = end + 1;
  }
  return true;
}

void json_reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void error_reply(httplib::Response& res, int status, const std::string& code,
                 const std::string& message) {
  json_reply(res, status, {{"error", {{"code", code}, {"message", message}}}});
}

// The agent's key names one step of one session; the core wants 64 bits.
IdempotencyKey key_of(const std::string& session, const std::string& key) {
  if (key.empty()) return 0;
  uint64_t h = hash_bytes(session.data(), session.size());
  return mix64(hash_bytes(key.data(), key.size(), mix64(h))) | 1;  // never 0 ("no key")
}

}  // namespace

OrchestratorService::OrchestratorService(const ActionCatalog& catalog, ServiceOptions options)
    : catalog_(catalog),
      options_(std::move(options)),
      db_(options_.store_path),
      side_db_(options_.store_path),
      names_(side_db_, options_.secret),
      journal_(side_db_),
      store_(db_),
      providers_(options_.endpoints, names_, [this] { return now(); }),
      verifier_(options_.secret, options_.replay_window_seconds) {
  if (options_.secret.size() < 16) {
    throw std::runtime_error("--secret: expected at least 16 bytes of shared secret");
  }
  for (auto& [signature, forget_after] : journal_.load(unix_now_seconds())) {
    verifier_.remember(std::move(signature), forget_after);
  }
  options_.config.service_token = HttpProviders::kServiceToken;
  core_ = std::make_unique<Orchestrator>(catalog_, options_.config, store_);
  server_ = std::make_unique<GuardedServer>(options_.max_connections_per_client);
  server_->set_tcp_nodelay(true);
  mount(*server_);
}

OrchestratorService::~OrchestratorService() { stop(); }

Time OrchestratorService::now() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int OrchestratorService::bind() {
  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.bind);
    if (port < 0) throw std::runtime_error("cannot listen on " + options_.bind);
  } else if (!server_->bind_to_port(options_.bind, port)) {
    throw std::runtime_error("cannot listen on " + options_.bind + ":" + std::to_string(port));
  }
  server_->tune_listener();
  return port;
}

void OrchestratorService::serve() {
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  threads_.emplace_back([this] { timer_loop(); });
  {
    // Whatever a killed predecessor left in flight resumes now, with the same keys (the
    // first transaction recovers; on a full disk it is tried again until it succeeds).
    std::lock_guard<HeldMutex> lock(mu_);
    transact([](Effects&) {});
  }
  server_->listen_after_bind();
}

void OrchestratorService::stop() {
  if (server_) server_->stop();
  {
    std::scoped_lock lock(work_mu_, timer_mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  timer_cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool OrchestratorService::transact(const std::function<void(Effects&)>& input,
                                   std::string* failure) {
  CHECKRIDE_INVARIANT(mu_.held(), "the core's inputs run under its lock");
  Effects fx;
  try {
    store_.begin();
    if (needs_recovery_) core_->recover(now(), fx);
    input(fx);
    store_.commit();
  } catch (const StoreError& e) {
    store_.rollback();
    restart_core(e.what());
    if (failure != nullptr) *failure = e.what();
    return false;
  }
  needs_recovery_ = false;
  apply(fx);  // only now do calls leave and replies go out: what they say is on disk
  return true;
}

void OrchestratorService::restart_core(const std::string& why) {
  CHECKRIDE_INVARIANT(mu_.held(), "the core restarts under its lock");
  std::cerr << "checkride serve orchestrator: " << why
            << "; the core restarts from the store, nothing is lost\n";
  metrics_.store_failed();
  ++generation_;
  needs_recovery_ = true;
  try {
    store_.reload();
  } catch (const StoreError& e) {
    // Not even readable: the next try reloads again. Until then the core sees what was
    // loaded, and every write fails before it can disagree with the disk.
    std::cerr << "checkride serve orchestrator: " << e.what() << "\n";
  }
  core_ = std::make_unique<Orchestrator>(catalog_, options_.config, store_);
  for (auto& [id, w] : waiters_) {
    w->store_failure = why;
    w->done = true;
    w->cv.notify_all();
  }
  waiters_.clear();
  {
    std::lock_guard<std::mutex> lock(timer_mu_);
    timers_.push({now() + kSecond, kRetryRecovery, generation_});
  }
  timer_cv_.notify_all();
}

// The client hears that nothing was done, never why: the reason names the store's path.
void OrchestratorService::store_unavailable(httplib::Response& res) {
  res.set_header("Retry-After", "1");
  error_reply(res, 503, "store_unavailable",
              "the orchestrator cannot write its store now; nothing was done: retry later with "
              "the same idempotency key");
}

// The store failed outside the core's transaction (the names, the signature journal, an audit
// read): counted and logged here, as restart_core does for the core's own writes.
void OrchestratorService::store_refused(httplib::Response& res, const std::string& why) {
  metrics_.store_failed();
  std::cerr << "checkride serve orchestrator: " << why << "\n";
  store_unavailable(res);
}

void OrchestratorService::apply(Effects& fx) {
  CHECKRIDE_INVARIANT(mu_.held(), "the core's effects are applied under its lock");
  if (!fx.calls.empty()) {
    {
      std::lock_guard<std::mutex> lock(work_mu_);
      for (auto& c : fx.calls) work_.push_back(QueuedCall{std::move(c), generation_});
    }
    if (fx.calls.size() == 1)
      work_cv_.notify_one();
    else
      work_cv_.notify_all();
  }
  for (auto& r : fx.replies) {
    auto it = waiters_.find(r.request_id);
    if (it == waiters_.end()) continue;  // its caller gave up, or the answer predates a restart
    it->second->result = std::move(r);
    it->second->done = true;
    it->second->cv.notify_all();
    waiters_.erase(it);
  }
  if (!fx.timers.empty()) {
    {
      std::lock_guard<std::mutex> lock(timer_mu_);
      for (const auto& t : fx.timers) timers_.push({t.at, t.id, generation_});
    }
    timer_cv_.notify_all();
  }
  fx.clear();
}

void OrchestratorService::worker_loop() {
  ProviderConnections connections;
  for (;;) {
    QueuedCall queued;
    {
      std::unique_lock<std::mutex> lock(work_mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !work_.empty(); });
      if (stopping_) return;
      queued = std::move(work_.front());
      work_.pop_front();
    }
    const ProviderCall& call = queued.call;
    ProviderReply reply;
    try {
      reply = providers_.perform(call.request, call.timeout, connections);
    } catch (const StoreError&) {
      // The provider may have acted, but its ids could not be kept: the answer is as good as
      // lost, and the saga retries with the same key, as after a lost response.
      reply = ProviderReply{};
      reply.error = ErrorCode::kTimeout;
    }
    metrics_.provider_call(call.request.op, reply.error);
    std::lock_guard<HeldMutex> lock(mu_);
    if (queued.generation != generation_) continue;  // asked by a core since restarted
    transact([&](Effects& fx) { core_->on_provider_reply(call.id, reply, now(), fx); });
  }
}

void OrchestratorService::timer_loop() {
  std::unique_lock<std::mutex> lock(timer_mu_);
  for (;;) {
    if (stopping_) return;
    if (timers_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    TimerEntry next = timers_.top();
    Time t = now();
    if (next.at > t) {
      timer_cv_.wait_for(lock, std::chrono::milliseconds(next.at - t));
      continue;
    }
    timers_.pop();
    lock.unlock();
    {
      std::lock_guard<HeldMutex> core_lock(mu_);
      if (next.generation == generation_) {
        if (next.id != kRetryRecovery) {
          transact([&](Effects& fx) { core_->on_timer(next.id, now(), fx); });
        } else if (needs_recovery_) {
          transact([](Effects&) {});
        }
      }
    }
    lock.lock();
  }
}

bool OrchestratorService::authentic(const httplib::Request& req, httplib::Response& res) {
  std::string why =
      verifier_.check(req.get_header_value(kTimestampHeader),
                      req.get_header_value(kSignatureHeader), req.body, unix_now_seconds());
  if (why.empty()) {
    // Kept before the request runs: after a restart the same bytes are still a replay.
    int64_t ts = 0;
    const std::string stamp = req.get_header_value(kTimestampHeader);
    std::from_chars(stamp.data(), stamp.data() + stamp.size(), ts);
    try {
      journal_.record(req.get_header_value(kSignatureHeader), ts + options_.replay_window_seconds,
                      unix_now_seconds());
      return true;
    } catch (const StoreError& e) {
      store_refused(res, e.what());
      return false;
    }
  }
  metrics_.refused(why);
  res.set_header("WWW-Authenticate", "CheckrideSignature");
  error_reply(res, 401, "unauthorized", why);
  return false;
}

bool OrchestratorService::may_read(const httplib::Request& req, httplib::Response& res) {
  const std::string bearer = req.get_header_value("Authorization");
  if (!options_.read_token.empty() && bearer.rfind("Bearer ", 0) == 0 &&
      constant_time_equal(bearer.substr(7), options_.read_token)) {
    return true;
  }
  std::string why = verifier_.check_read(
      req.get_header_value(kTimestampHeader), req.get_header_value(kSignatureHeader),
      read_signed_text(req.method, req.target.empty() ? req.path : req.target), unix_now_seconds());
  if (why.empty()) return true;
  metrics_.refused(why);
  res.set_header("WWW-Authenticate", "CheckrideSignature");
  error_reply(res, 401, "unauthorized", "reads are signed too (or carry the read token): " + why);
  return false;
}

bool OrchestratorService::owned_by(SessionId session, UserId user, httplib::Response& res) {
  const UserId owner = store_.session_owner(session);
  if (owner != 0 && owner == user) return true;
  metrics_.refused("forbidden");
  error_reply(res, 403, "forbidden",
              owner == 0 ? "no such session: open it with POST /v1/sessions first"
                         : "the session belongs to another user");
  return false;
}

void OrchestratorService::handle_session(const httplib::Request& req, httplib::Response& res) {
  if (!authentic(req, res)) return;
  auto j = parse_json_or_discarded(req.body);
  std::string field;
  auto text = [&](const char* name) -> std::string {
    if (field.empty() && (!j.contains(name) || !j[name].is_string() ||
                          j[name].get_ref<const std::string&>().empty())) {
      field = name;
      return "";
    }
    return field.empty() ? j[name].get<std::string>() : "";
  };
  if (j.is_discarded() || !j.is_object()) {
    metrics_.bad_request();
    return error_reply(res, 400, "bad_request", "body: expected a JSON object");
  }
  std::string session = text("session"), user = text("user"), access = text("access_token"),
              refresh = text("refresh_token");
  if (!field.empty()) {
    metrics_.bad_request();
    return error_reply(res, 400, "bad_request",
                       "field '" + field + "': expected a non-empty string");
  }
  if (!j.contains("expires_in") || !j["expires_in"].is_number_integer() ||
      j["expires_in"].get<int64_t>() <= 0) {
    metrics_.bad_request();
    return error_reply(res, 400, "bad_request",
                       "field 'expires_in': expected the access token's lifetime in seconds");
  }
  uint32_t scopes = 0;
  std::string unknown;
  if (!scopes_of(
          string_field(j, "scope", "catalog:read orders:write payments:charge bookings:write"),
          scopes, unknown)) {
    metrics_.bad_request();
    return error_reply(res, 400, "bad_request", "field 'scope': unknown scope '" + unknown + "'");
  }
  std::lock_guard<HeldMutex> lock(mu_);
  SessionGrant g;
  std::string why;
  try {
    g.session = names_.intern("session:" + session);
    g.user = names_.intern(user);
    g.access_token = names_.intern(access);
    g.refresh_token = names_.intern(refresh);
  } catch (const StoreError& e) {
    return store_refused(res, e.what());
  }
  const UserId owner = store_.session_owner(g.session);
  if (owner != 0 && owner != g.user) {
    metrics_.refused("forbidden");
    return error_reply(res, 403, "forbidden", "the session belongs to another user");
  }
  Time t = now();
  g.expires_at = t + j["expires_in"].get<int64_t>() * kSecond;
  g.scopes = scopes;
  if (!transact(
          [&](Effects&) {
            store_.own_session(g.session, g.user);
            core_->on_session_start(g, t);
          },
          &why)) {
    return store_unavailable(res);  // restart_core logged it
  }
  json_reply(res, 201, {{"session", session}, {"user", user}});
}

void OrchestratorService::handle_consent(const httplib::Request& req, httplib::Response& res) {
  if (!authentic(req, res)) return;
  auto j = parse_json_or_discarded(req.body);
  if (j.is_discarded() || !j.is_object() || !j.contains("amount") ||
      !j["amount"].is_number_integer() || j["amount"].get<int64_t>() < 0 ||
      !j.contains("granted") || !j["granted"].is_boolean()) {
    metrics_.bad_request();
    return error_reply(res, 400, "bad_request",
                       "expected {\"session\": id, \"amount\": minor units >= 0, \"granted\": "
                       "true|false, \"request_id\": n}");
  }
  // The signature covers the body, not the path: the body names its session, so a signed
  // consent cannot be replayed onto another session's path.
  if (string_field(j, "session", "") != req.matches[1].str()) {
    metrics_.bad_request();
    return error_reply(res, 400, "bad_request",
                       "field 'session': must equal the session in the path");
  }
  std::lock_guard<HeldMutex> lock(mu_);
  ConsentGrant c;
  std::string why;
  try {
    c.session = names_.intern("session:" + req.matches[1].str());
  } catch (const StoreError& e) {
    return store_refused(res, e.what());
  }
  if (store_.session_owner(c.session) == 0) {
    metrics_.refused("forbidden");
    return error_reply(res, 403, "forbidden",
                       "no such session: open it with POST /v1/sessions first");
  }
  c.amount = j["amount"].get<int64_t>();
  c.granted = j["granted"].get<bool>();
  if (!transact([&](Effects&) { core_->on_consent(c, now()); }, &why)) {
    return store_unavailable(res);  // restart_core logged it
  }
  json_reply(res, 201, {{"session", req.matches[1].str()}, {"recorded", true}});
}

void OrchestratorService::handle_action(const httplib::Request& req, httplib::Response& res) {
  Time arrived = now();
  if (!authentic(req, res)) return;
  WireAction wa;
  std::string error;
  if (!parse_wire_action(req.body, wa, error)) {
    metrics_.bad_request();
    return error_reply(res, 400, "bad_request", error);
  }
  auto waiter = std::make_shared<Waiter>();
  std::unique_lock<HeldMutex> lock(mu_);
  ActionRequest a;
  try {
    a.session = names_.intern("session:" + wa.session);
    a.user = names_.intern(wa.user);
    a.payment_method = names_.intern(wa.payment_method);
  } catch (const StoreError& e) {
    lock.unlock();
    return store_refused(res, e.what());
  }
  if (!owned_by(a.session, a.user, res)) return;
  a.action = wa.action;
  a.params = wa.params;
  a.key = key_of(wa.session, wa.idempotency_key);
  a.request_id = next_request_++;
  waiters_[a.request_id] = waiter;
  transact([&](Effects& fx) { core_->on_action(a, now(), fx); });
  bool answered = waiter->cv.wait_for(lock, std::chrono::milliseconds(options_.action_timeout),
                                      [&] { return waiter->done; });
  if (!answered) waiters_.erase(a.request_id);
  lock.unlock();
  if (answered && !waiter->store_failure.empty()) {
    metrics_.action_answered(ActionStatus::kUnavailable, now() - arrived);
    return store_unavailable(res);  // restart_core logged it
  }
  if (!answered) {
    // The saga goes on; the agent retries with the same key and attaches to it.
    metrics_.action_answered(ActionStatus::kUnavailable, now() - arrived);
    return json_reply(res, 504,
                      {{"request_id", wa.request_id},
                       {"status", "unavailable"},
                       {"code", "still_running"},
                       {"retry_after_ms", 1000}});
  }
  ActionResult r = waiter->result;
  r.request_id = wa.request_id;
  metrics_.action_answered(r.status, now() - arrived);
  json_reply(res, 200, action_result_json(r));
}

void OrchestratorService::handle_session_status(const httplib::Request& req,
                                                httplib::Response& res) {
  if (!may_read(req, res)) return;
  std::string id = req.matches[1].str();
  std::lock_guard<HeldMutex> lock(mu_);
  SessionId session = names_.find("session:" + id);
  if (session == 0) return error_reply(res, 404, "not_found", "no session '" + id + "'");
  nlohmann::json sagas = nlohmann::json::array();
  for (SagaId sid : store_.sagas_of(session)) {
    const SagaRecord* s = store_.saga(sid);
    if (s == nullptr) continue;
    nlohmann::json j = {{"reference", saga_reference(*s)},
                        {"step", step_name(s->step)},
                        {"done", s->done},
                        {"compensating", s->compensating},
                        {"total", s->total}};
    if (s->done) j["outcome"] = std::string(status_name(s->outcome));
    if (!s->code.empty()) j["code"] = s->code;
    // What the payment's webhooks said: waiting for 3-D Secure, or refunded after it finished.
    if (s->awaiting_authentication) j["awaiting_authentication"] = true;
    if (!s->payment_state.empty()) j["payment_state"] = s->payment_state;
    sagas.push_back(std::move(j));
  }
  json_reply(res, 200, {{"session", id}, {"settled", core_->settled(session)}, {"sagas", sagas}});
}

// The chain is read on a connection of its own, outside the core's lock, one row at a time:
// readers neither hold up actions nor hold the log in memory. ?from=SEQ&limit=N (at most
// 1000) adds that page of records.
void OrchestratorService::handle_audit(const httplib::Request& req, httplib::Response& res) {
  if (!may_read(req, res)) return;
  int64_t from = -1, limit = 0;
  for (auto [name, out] : {std::pair<const char*, int64_t*>{"from", &from}, {"limit", &limit}}) {
    if (!req.has_param(name)) continue;
    const std::string v = req.get_param_value(name);
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
    if (ec != std::errc() || end != v.data() + v.size() || *out < 0) {
      return error_reply(res, 400, "bad_request",
                         std::string("query '") + name + "': expected an integer >= 0");
    }
  }
  if (limit > 1000) return error_reply(res, 400, "bad_request", "query 'limit': at most 1000");
  nlohmann::json page = nlohmann::json::array();
  AuditChainCheck check;
  try {
    SqliteDb reader(options_.store_path, SqliteDb::Mode::kReadOnly);
    SqliteStatement all(reader, "SELECT seq, line, hash FROM audit ORDER BY seq");
    while (all.row()) {
      AuditRecord r{from_sql_seq(all.integer(0)), all.text(1), {}};
      std::string h = all.blob(2);
      std::copy_n(h.begin(), std::min(h.size(), r.hash.size()), r.hash.begin());
      check.add(r);
      if (limit > 0 && static_cast<int64_t>(r.seq) >= from &&
          static_cast<int64_t>(page.size()) < limit) {
        page.push_back({{"seq", r.seq}, {"line", r.line}, {"hash", to_hex(r.hash)}});
      }
    }
  } catch (const StoreError& e) {
    return store_refused(res, e.what());
  }
  nlohmann::json j = {{"records", check.count()}, {"intact", check.first_bad() < 0}};
  if (check.first_bad() >= 0) j["first_bad_seq"] = check.first_bad();
  if (check.count() > 0) j["head"] = to_hex(check.head());
  if (limit > 0) {
    j["page"] = std::move(page);
    if (!j["page"].empty()) j["next"] = j["page"].back()["seq"].get<uint64_t>() + 1;
  }
  json_reply(res, 200, j);
}

// A Stripe event for the core: read, then judged by the core (which believes only a verified
// one). 2xx tells Stripe to stop redelivering; a bad signature is a 400 it will retry.
void OrchestratorService::handle_stripe_webhook(const httplib::Request& req,
                                                httplib::Response& res) {
  if (options_.webhook_secret.empty()) {
    return error_reply(res, 404, "webhooks_off",
                       "no webhook secret: start serve orchestrator with "
                       "$CHECKRIDE_WEBHOOK_SECRET set to the endpoint's whsec_... secret");
  }
  StripeEventFields f;
  std::string error;
  if (!parse_stripe_event(req.body, f, error)) return error_reply(res, 400, "invalid_event", error);
  std::string why;
  const bool verified = verify_stripe_signature(req.get_header_value("Stripe-Signature"), req.body,
                                                options_.webhook_secret, unix_now_seconds(),
                                                options_.webhook_tolerance_seconds, why);
  const bool believes_forgeries = options_.config.defects.has(Defect::kNoWebhookSignatureCheck);
  if (!verified && !believes_forgeries) {
    // Counted, not stored: 300,000 forgeries once grew the store by 25 MB of audit rows.
    metrics_.refused("bad_signature");
    return error_reply(res, 400, "bad_signature", why);
  }
  if (!f.known_type) {
    return json_reply(res, 200, {{"received", true}, {"outcome", "ignored"}});
  }
  PaymentEvent e;
  e.id = mix64(hash_bytes(f.id.data(), f.id.size()));
  e.type = f.kind;
  // Only a verified event's intent is remembered: it may come before the answer naming it.
  e.intent = verified ? names_.intern(f.intent) : names_.find(f.intent);
  e.amount = f.amount;
  e.signature_ok = verified;
  EventVerdict verdict = EventVerdict::kIgnored;
  {
    std::lock_guard<HeldMutex> lock(mu_);
    std::string why;
    // A 503 makes Stripe deliver the event again, later.
    if (!transact([&](Effects& fx) { verdict = core_->on_payment_event(e, now(), fx); }, &why)) {
      return store_unavailable(res);  // restart_core logged it
    }
  }
  static constexpr const char* kOutcome[] = {"applied", "duplicate", "ignored", "bad_signature"};
  if (verdict == EventVerdict::kBadSignature) return error_reply(res, 400, "bad_signature", why);
  json_reply(res, 200, {{"received", true}, {"outcome", kOutcome[static_cast<int>(verdict)]}});
}

void OrchestratorService::mount(httplib::Server& server) {
  server.set_payload_max_length(1 << 20);
  // Without a handler httplib answers an exception with its text in an EXCEPTION_WHAT header,
  // which named the store's path. The operator's log gets the text; the client, the shape.
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          std::cerr << "checkride serve orchestrator: " << e.what() << "\n";
        } catch (...) {
        }
        error_reply(res, 500, "internal", "the orchestrator failed on this request; nothing more");
      });
  server.Post("/v1/actions", [this](const httplib::Request& req, httplib::Response& res) {
    handle_action(req, res);
  });
  server.Post("/v1/sessions", [this](const httplib::Request& req, httplib::Response& res) {
    handle_session(req, res);
  });
  server.Post(
      R"(/v1/sessions/([^/]+)/consents)",
      [this](const httplib::Request& req, httplib::Response& res) { handle_consent(req, res); });
  server.Get(R"(/v1/sessions/([^/]+))",
             [this](const httplib::Request& req, httplib::Response& res) {
               handle_session_status(req, res);
             });
  server.Post("/webhooks/stripe", [this](const httplib::Request& req, httplib::Response& res) {
    handle_stripe_webhook(req, res);
  });
  server.Get("/v1/audit", [this](const httplib::Request& req, httplib::Response& res) {
    handle_audit(req, res);
  });
  server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<HeldMutex> lock(mu_);
    json_reply(res, 200, {{"status", "ok"}, {"in_flight", core_->in_flight()}});
  });
  server.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req, res)) return;
    int in_flight;
    uint64_t audit;
    std::size_t queued;
    {
      std::lock_guard<HeldMutex> lock(mu_);
      in_flight = core_->in_flight();
      audit = store_.audit_count();
    }
    {
      std::lock_guard<std::mutex> lock(work_mu_);
      queued = work_.size();
    }
    res.set_content(metrics_.render(in_flight, audit, queued), "text/plain; version=0.0.4");
  });
}

}  // namespace checkride
