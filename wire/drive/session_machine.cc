#include "wire/drive/session_machine.h"

#include "protocol/action_wire.h"
#include "protocol/json_input.h"

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

// The card the session's shopper holds: the last one its steps name.
std::string card_of(const CompiledTemplate& t) {
  std::string card = "pm_card_visa";
  for (const auto& step : t.steps) {
    if (!step.payment_method.empty()) card = step.payment_method;
  }
  return card;
}

}  // namespace

SessionMachine::SessionMachine(const SessionContext& context, std::string id, uint32_t tmpl,
                               const CompiledTemplate& t, SteadyTime intended, DriveStats& stats)
    : context_(context), t_(t), stats_(stats), intended_(intended), step_start_(intended) {
  out_.id = std::move(id);
  out_.tmpl = tmpl;
  outcome_.tmpl = tmpl;
  outcome_.flags = SessionOutcome::kStarted | (t.intent ? SessionOutcome::kIntent : 0);
  refs_.resize(t.steps.size());
}

SessionMachine::Next SessionMachine::next(SteadyTime now, SessionRequest& request,
                                          SteadyTime& until) {
  if (waiting_) {
    if (now < wake_) {
      until = wake_;
      return Next::kWait;
    }
    waiting_ = false;
  }
  switch (phase_) {
    case Phase::kShopper:
      request = {SessionRequest::To::kControl, "/__checkride/shoppers",
                 nlohmann::json{{"card", card_of(t_)}, {"user_id", t_.user}}.dump(), false};
      return Next::kSend;
    case Phase::kOpen:
      request = {SessionRequest::To::kOrchestrator, "/v1/sessions", grant_.dump(), true};
      return Next::kSend;
    case Phase::kDone:
      return Next::kDone;
    case Phase::kStep:
      break;
  }
  if (k_ >= t_.steps.size()) {
    finish(now, true);
    return Next::kDone;
  }
  const CassetteStep& step = t_.steps[k_];
  if (!thought_) {  // every attempt at a step thinks first, as the simulator's agent does
    thought_ = true;
    if (context_.think_scale > 0 && step.think > 0) {
      step_start_ +=
          std::chrono::milliseconds(static_cast<int64_t>(step.think * context_.think_scale));
      if (now < step_start_) {
        until = step_start_;
        return Next::kWait;
      }
    }
  }
  if (step.kind == CassetteStep::Kind::kConfirm) {
    request = {SessionRequest::To::kOrchestrator, "/v1/sessions/" + out_.id + "/consents",
               nlohmann::json{{"session", out_.id},
                              {"request_id", next_request_++},
                              {"amount", step.amount},
                              {"granted", step.granted}}
                   .dump(),
               true};
  } else {
    request = {SessionRequest::To::kOrchestrator, "/v1/actions", action_body(), true};
  }
  return Next::kSend;
}

std::vector<std::vector<std::string>> params_texts(const std::vector<CompiledTemplate>& templates) {
  std::vector<std::vector<std::string>> texts;
  for (const auto& t : templates) {
    texts.emplace_back();
    for (const auto& step : t.steps) {
      const bool fixed = step.kind == CassetteStep::Kind::kAction && step.substitutions.empty();
      texts.back().push_back(!fixed ? "" : step.params ? step.params->dump() : "{}");
    }
  }
  return texts;
}

std::string SessionMachine::action_body() {
  const CassetteStep& step = t_.steps[k_];
  WireAction wa;
  wa.session = out_.id;
  wa.user = user_;
  wa.request_id = next_request_++;
  wa.action = step.action;
  wa.idempotency_key = out_.id + "/" + std::to_string(k_) + "/" + std::to_string(key_generation_);
  wa.payment_method = method_;
  if (step.substitutions.empty()) {
    if (context_.params_text != nullptr) {
      return wire_action_text(wa, (*context_.params_text)[out_.tmpl][k_]);
    }
    wa.params = step.params;
  } else {
    auto copy = std::make_shared<nlohmann::json>(*step.params);
    for (const auto& [pointer, from] : step.substitutions) {
      if (!refs_[from].empty()) (*copy)[nlohmann::json::json_pointer(pointer)] = refs_[from];
    }
    wa.params = copy;
  }
  return wire_action_json(wa).dump();
}

void SessionMachine::answered(const SessionAnswer& a, SteadyTime now) {
  switch (phase_) {
    case Phase::kShopper:
      return shopper_answered(a);
    case Phase::kOpen:
      return open_answered(a, now);
    case Phase::kStep:
      thought_ = false;
      return t_.steps[k_].kind == CassetteStep::Kind::kConfirm ? consent_answered(a, now)
                                                               : action_answered(a, now);
    case Phase::kDone:
      return;
  }
}

// The session's user: the fakes give them the world's existing bookings of that user.
void SessionMachine::shopper_answered(const SessionAnswer& a) {
  const nlohmann::json body = parse_json_or_discarded(a.body);
  if (a.transport_error || (a.status != 201 && a.status != 200) || !body.is_object()) {
    error_ = "the fakes' control API did not create a shopper (" +
             (a.transport_error ? "no answer: " + a.transport_what
                                : "HTTP " + std::to_string(a.status)) +
             ")";
    phase_ = Phase::kDone;
    return;
  }
  out_.user = uint_field(body, "user", 0);
  user_ = string_field(body, "customer", "");
  method_ = string_field(body, "payment_method", "");
  grant_ = {{"session", out_.id},
            {"user", user_},
            {"access_token", string_field(body, "access_token", "")},
            {"refresh_token", string_field(body, "refresh_token", "")},
            {"expires_in", int_field(body, "expires_in_ms", 0) / 1000}};
  phase_ = Phase::kOpen;
}

// The session's grant; an unreachable orchestrator is retried like an action. When the
// retries run out the session started and never finished: an incomplete intent.
void SessionMachine::open_answered(const SessionAnswer& a, SteadyTime now) {
  ++stats_.requests;
  if (!a.transport_error && a.status < 300) {
    phase_ = Phase::kStep;
    return;
  }
  a.transport_error ? ++stats_.transport_errors : ++stats_.http_errors;
  if (open_attempts_++ >= context_.agent.retries) return finish(now, false);
  waiting_ = true;  // the first action's latency still counts from the session's slot
  wake_ = now + std::chrono::milliseconds(context_.agent.retry_delay);
}

void SessionMachine::consent_answered(const SessionAnswer& a, SteadyTime now) {
  const CassetteStep& step = t_.steps[k_];
  ++stats_.requests;
  if (a.transport_error || a.status >= 300) {
    a.transport_error ? ++stats_.transport_errors : ++stats_.http_errors;
    if (retries_used_++ < context_.agent.retries) {
      waiting_ = true;  // the next attempt thinks from the same start
      wake_ = now + std::chrono::milliseconds(context_.agent.retry_delay);
      return;
    }
    return finish(now, true);
  }
  if (step.granted) outcome_.on_consent(step.amount, context_.wire_time(now));
  retries_used_ = 0;
  ++k_;
  step_start_ = now;
}

void SessionMachine::action_answered(const SessionAnswer& a, SteadyTime now) {
  const CassetteStep& step = t_.steps[k_];
  ++stats_.requests;
  const Duration took = ms_between(step_start_, now);
  stats_.latency["action." + step.action].record(took);
  stats_.latency["request"].record(took);
  if (context_.progress != nullptr) context_.progress->request_answered(took);
  ActionResult r;
  r.status = ActionStatus::kUnavailable;
  if (a.transport_error) {
    ++stats_.transport_errors;
  } else if (a.status >= 400 && a.status != 504) {
    ++stats_.http_errors;
  } else {
    const nlohmann::json body = parse_json_or_discarded(a.body);
    std::string why;
    if (body.is_object()) parse_action_result(body, r, why);
  }
  outcome_.on_answer(t_.charge[k_], r.status);
  const AgentSpec& agent = context_.agent;
  if (step.answered_as_recorded(r.status) ||
      agent.on_divergence == AgentSpec::OnDivergence::kContinue) {
    if (!r.reference.empty()) refs_[k_] = r.reference;
    ++k_;
    retries_used_ = 0;
    step_start_ = now;
    return;
  }
  // A transport failure is retried with the same key: the request may have run.
  if (agent.on_divergence == AgentSpec::OnDivergence::kRetry && retries_used_ < agent.retries &&
      r.status != ActionStatus::kReauthRequired) {
    ++retries_used_;
    if (agent.new_key_on_retry && r.status != ActionStatus::kUnavailable) ++key_generation_;
    retry_after(
        r.status == ActionStatus::kBusy && r.retry_after > 0 ? r.retry_after : agent.retry_delay,
        now);
    return;
  }
  finish(now, true);
}

// Waits `delay`; the next request's latency counts from when the wait ends.
void SessionMachine::retry_after(Duration delay, SteadyTime now) {
  waiting_ = true;
  wake_ = now + std::chrono::milliseconds(delay);
  step_start_ = wake_;
}

void SessionMachine::finish(SteadyTime now, bool finished) {
  if (finished) {
    outcome_.flags |= SessionOutcome::kFinished;
    stats_.latency["session"].record(ms_between(intended_, now));
  }
  out_.outcome = session_outcome_json(out_.user, outcome_);
  phase_ = Phase::kDone;
}

}  // namespace checkride
