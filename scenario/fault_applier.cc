#include "scenario/fault_applier.h"

#include "protocol/invariant.h"

namespace checkride {
namespace {

// Before the provider: a reset, an injected error or no answer ends the call there.
bool stopped_before_provider(const CallFault& f, CallOutcome& out) {
  if (f.reset) {
    out.fate = CallOutcome::Fate::kReset;
  } else if (f.answer != ErrorCode::kNone) {
    out.fate = CallOutcome::Fate::kError;
    out.error = f.answer;
    out.http_status = f.http_status != 0 ? f.http_status : http_status_of(f.answer);
    out.retry_after = f.retry_after;
  } else if (f.drop_request) {
    out.fate = CallOutcome::Fate::kNoAnswer;
  } else {
    return false;
  }
  return true;
}

// At the provider, before it acts: a new signing key, an expired token, revoked refreshes.
void change_credentials(const CallFault& f, FaultedCall& call, World& world, Time now,
                        CallOutcome& out) {
  if (f.rotate_key) {
    call.rotate_signing_key(f.keep_old_key);
    out.key_rotated = true;
  }
  if (!f.expire_token && !f.revoke_refresh) return;
  const TokenId token = call.token();
  const UserId user = call.user(world, now);  // read before the token expires
  if (f.expire_token) {
    world.identity.expire_now(token, now);
    out.token_expired = true;
  }
  if (f.revoke_refresh && user != 0) {
    world.identity.revoke_refresh_tokens(user);
    out.refresh_revoked = true;
  }
}

// After the provider acted: what hold_expiry makes lapse early.
void shorten_what_it_made(const CallFault& f, Op op, ObjectId made, World& world, Time now,
                          CallOutcome& out) {
  if (f.shorten_ttl < 0 || made == 0) return;
  if (op != Op::kReserve && op != Op::kHold) return;
  const Time lapses_at = now + f.shorten_ttl;
  if (op == Op::kReserve) world.catalog.shorten_ttl(made, lapses_at);
  if (op == Op::kHold) world.bookings.shorten_ttl(made, lapses_at);
  out.shortened = made;
  out.lapses_at = lapses_at;
}

}  // namespace

const char* call_fate_name(CallOutcome::Fate fate) {
  switch (fate) {
    case CallOutcome::Fate::kReset:
      return "reset";
    case CallOutcome::Fate::kError:
      return "error";
    case CallOutcome::Fate::kNoAnswer:
      return "no_answer";
    case CallOutcome::Fate::kAnswered:
      return "answered";
    case CallOutcome::Fate::kAnswerLost:
      return "answer_lost";
    case CallOutcome::Fate::kHeldByHost:
      return "held_by_host";
  }
  return "?";
}

CallOutcome apply_call_fault(const CallFault& f, Op op, FaultedCall& call) {
  CallOutcome out;
  out.added_delay = f.extra_latency;
  if (stopped_before_provider(f, out)) return out;
  if (!call.reach_provider(f.extra_latency)) {
    out.fate = CallOutcome::Fate::kHeldByHost;
    return out;
  }
  struct AtProvider final : ProviderStep {
    const CallFault& f;
    Op op;
    FaultedCall& call;
    CallOutcome& out;
    AtProvider(const CallFault& f, Op op, FaultedCall& call, CallOutcome& out)
        : f(f), op(op), call(call), out(out) {}
    void operator()(World& world, Time now) override {
      change_credentials(f, call, world, now, out);
      shorten_what_it_made(f, op, call.act(world, now), world, now, out);
    }
  } step(f, op, call, out);
  call.at_provider(step);
  out.fate = f.drop_response ? CallOutcome::Fate::kAnswerLost : CallOutcome::Fate::kAnswered;
  CHECKRIDE_INVARIANT(out.provider_ran() || !out.token_expired,
                      "a token fault struck a call that never reached the provider");
  return out;
}

}  // namespace checkride
