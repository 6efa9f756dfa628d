#include "wire/drive/session_player.h"

#include <httplib.h>

#include <thread>

#include "protocol/action_signature.h"
#include "protocol/action_wire.h"
#include "protocol/json_input.h"
#include "scenario/checkers.h"

namespace checkride {

void DriveStats::merge(const DriveStats& o) {
  for (const auto& [name, h] : o.latency) latency[name].merge(h);
  requests += o.requests;
  transport_errors += o.transport_errors;
  http_errors += o.http_errors;
}

namespace {

Duration ms_between(SteadyTime from, SteadyTime to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

std::unique_ptr<httplib::Client> connect(const std::string& url, Duration timeout) {
  auto c = std::make_unique<httplib::Client>(url);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // small request, small answer: Nagle would add ~40 ms each
  c->set_connection_timeout(2, 0);
  c->set_read_timeout(std::chrono::milliseconds(timeout));
  c->set_write_timeout(std::chrono::milliseconds(timeout));
  return c;
}

}  // namespace

SessionPlayer::SessionPlayer(const std::string& orchestrator, const std::string& control,
                             const std::string& control_token, const std::string& secret,
                             const AgentSpec& agent, double think_scale,
                             std::function<Time(SteadyTime)> wire_time)
    : orchestrator_(connect(orchestrator, agent.timeout)),
      control_(connect(control, 10 * kSecond)),
      control_token_(control_token),
      secret_(secret),
      agent_(agent),
      think_scale_(think_scale),
      wire_time_(std::move(wire_time)) {}

SessionPlayer::~SessionPlayer() = default;

SessionPlayer::Answer SessionPlayer::post(httplib::Client& c, const std::string& path,
                                          const nlohmann::json& body, bool sign) {
  std::string text = body.dump();
  httplib::Headers headers;
  if (sign && !secret_.empty()) {
    int64_t ts = unix_now_seconds();
    headers.emplace(kTimestampHeader, std::to_string(ts));
    headers.emplace(kSignatureHeader, action_signature(secret_, ts, text));
  }
  if (!sign && !control_token_.empty())
    headers.emplace("Authorization", "Bearer " + control_token_);
  auto res = c.Post(path, headers, text, "application/json");
  Answer a;
  if (!res) {
    a.transport_error = true;
    a.transport_what = httplib::to_string(res.error());
    return a;
  }
  a.status = res->status;
  a.body = parse_json_or_discarded(res->body);
  return a;
}

// The session's user: the fakes give them the world's existing bookings of that user. False,
// with why, when the control API made none.
bool SessionPlayer::start_shopper(const std::string& id, const CompiledTemplate& t, Playthrough& p,
                                  DrivenSession& out, std::string& error) {
  std::string card = "pm_card_visa";
  for (const auto& step : t.steps) {
    if (!step.payment_method.empty()) card = step.payment_method;
  }
  Answer shopper =
      post(*control_, "/__checkride/shoppers", {{"card", card}, {"user_id", t.user}}, false);
  if (shopper.transport_error || (shopper.status != 201 && shopper.status != 200) ||
      !shopper.body.is_object()) {
    error = "the fakes' control API did not create a shopper (" +
            (shopper.transport_error ? "no answer: " + shopper.transport_what
                                     : "HTTP " + std::to_string(shopper.status)) +
            ")";
    return false;
  }
  out.id = id;
  out.user = uint_field(shopper.body, "user", 0);
  p.user = string_field(shopper.body, "customer", "");
  p.method = string_field(shopper.body, "payment_method", "");
  p.grant = {{"session", id},
             {"user", p.user},
             {"access_token", string_field(shopper.body, "access_token", "")},
             {"refresh_token", string_field(shopper.body, "refresh_token", "")},
             {"expires_in", int_field(shopper.body, "expires_in_ms", 0) / 1000}};
  return true;
}

// The session's grant; an unreachable orchestrator is retried like an action. False when
// the retries ran out.
bool SessionPlayer::open_session(const Playthrough& p) {
  for (int attempt = 0;; ++attempt) {
    Answer a = post(*orchestrator_, "/v1/sessions", p.grant, true);
    ++stats_.requests;
    if (!a.transport_error && a.status < 300) return true;
    if (a.transport_error) ++stats_.transport_errors;
    if (!a.transport_error) ++stats_.http_errors;
    if (attempt >= agent_.retries) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(agent_.retry_delay));
  }
}

// A consent step. False when the session stops (the retries ran out).
bool SessionPlayer::play_consent(const std::string& id, const CassetteStep& step, Playthrough& p) {
  Answer a = post(*orchestrator_, "/v1/sessions/" + id + "/consents",
                  {{"session", id},
                   {"request_id", next_request_++},
                   {"amount", step.amount},
                   {"granted", step.granted}},
                  true);
  ++stats_.requests;
  if (a.transport_error || a.status >= 300) {
    a.transport_error ? ++stats_.transport_errors : ++stats_.http_errors;
    if (p.retries_used++ < agent_.retries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(agent_.retry_delay));
      return true;
    }
    return false;
  }
  if (step.granted) p.outcome.on_consent(step.amount, wire_time_(std::chrono::steady_clock::now()));
  p.retries_used = 0;
  ++p.k;
  p.step_start = std::chrono::steady_clock::now();
  return true;
}

// An action step: sent, timed, and its answer read (an unusable answer is "unavailable").
ActionResult SessionPlayer::send_action(const std::string& id, const CassetteStep& step,
                                        Playthrough& p, SteadyTime& answered) {
  WireAction wa;
  wa.session = id;
  wa.user = p.user;
  wa.request_id = next_request_++;
  wa.action = step.action;
  if (step.substitutions.empty()) {
    wa.params = step.params;
  } else {
    auto copy = std::make_shared<nlohmann::json>(*step.params);
    for (const auto& [pointer, from] : step.substitutions) {
      if (!p.refs[from].empty()) (*copy)[nlohmann::json::json_pointer(pointer)] = p.refs[from];
    }
    wa.params = copy;
  }
  wa.idempotency_key = id + "/" + std::to_string(p.k) + "/" + std::to_string(p.key_generation);
  wa.payment_method = p.method;
  Answer a = post(*orchestrator_, "/v1/actions", wire_action_json(wa), true);
  answered = std::chrono::steady_clock::now();
  ++stats_.requests;
  Duration took = ms_between(p.step_start, answered);
  stats_.latency["action." + step.action].record(took);
  stats_.latency["request"].record(took);
  if (progress_ != nullptr) progress_->request_answered(took);
  ActionResult r;
  r.status = ActionStatus::kUnavailable;
  std::string why;
  if (a.transport_error) {
    ++stats_.transport_errors;
  } else if (a.status >= 400 && a.status != 504) {
    ++stats_.http_errors;
  } else if (a.body.is_object()) {
    parse_action_result(a.body, r, why);
  }
  return r;
}

// An action step and what the agent does with its answer. False when the session stops.
bool SessionPlayer::play_action(const std::string& id, const CompiledTemplate& t, Playthrough& p) {
  const CassetteStep& step = t.steps[p.k];
  SteadyTime answered;
  const ActionResult r = send_action(id, step, p, answered);
  p.outcome.on_answer(t.charge[p.k], r.status);
  if (step.answered_as_recorded(r.status) ||
      agent_.on_divergence == AgentSpec::OnDivergence::kContinue) {
    if (!r.reference.empty()) p.refs[p.k] = r.reference;
    ++p.k;
    p.retries_used = 0;
    p.step_start = answered;
    return true;
  }
  // A transport failure is retried with the same key: the request may have run.
  if (agent_.on_divergence == AgentSpec::OnDivergence::kRetry && p.retries_used < agent_.retries &&
      r.status != ActionStatus::kReauthRequired) {
    ++p.retries_used;
    if (agent_.new_key_on_retry && r.status != ActionStatus::kUnavailable) ++p.key_generation;
    Duration delay =
        r.status == ActionStatus::kBusy && r.retry_after > 0 ? r.retry_after : agent_.retry_delay;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    p.step_start = std::chrono::steady_clock::now();
    return true;
  }
  return false;
}

bool SessionPlayer::play(const std::string& id, uint32_t tmpl, const CompiledTemplate& t,
                         SteadyTime intended, DrivenSession& out, std::string& error) {
  Playthrough p;
  if (!start_shopper(id, t, p, out, error)) return false;
  out.tmpl = tmpl;
  p.outcome.tmpl = tmpl;
  p.outcome.flags = SessionOutcome::kStarted | (t.intent ? SessionOutcome::kIntent : 0);
  p.refs.resize(t.steps.size());
  p.step_start = intended;  // when the next request should go out
  if (!open_session(p)) {
    out.outcome = session_outcome_json(out.user, p.outcome);
    return true;  // started, never finished: an incomplete intent
  }
  while (p.k < t.steps.size()) {
    const CassetteStep& step = t.steps[p.k];
    if (think_scale_ > 0 && step.think > 0) {
      p.step_start += std::chrono::milliseconds(static_cast<int64_t>(step.think * think_scale_));
      std::this_thread::sleep_until(p.step_start);
    }
    const bool goes_on = step.kind == CassetteStep::Kind::kConfirm ? play_consent(id, step, p)
                                                                   : play_action(id, t, p);
    if (!goes_on) break;
  }
  p.outcome.flags |= SessionOutcome::kFinished;
  stats_.latency["session"].record(ms_between(intended, std::chrono::steady_clock::now()));
  out.outcome = session_outcome_json(out.user, p.outcome);
  return true;
}

}  // namespace checkride
