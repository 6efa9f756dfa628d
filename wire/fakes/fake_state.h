#pragma once
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fakes/oauth_client.h"
#include "fakes/world.h"
#include "protocol/invariant.h"
#include "protocol/rsa_signer.h"
#include "scenario/compiled_template.h"
#include "scenario/fault_plan.h"
#include "scenario/scenario.h"
#include "wire/fakes/http_idempotency.h"
#include "wire/fakes/stripe_events.h"
#include "wire/held_mutex.h"

namespace checkride {

// A simulated shopper made through the control API: its own user, its own payment method
// (so every charge is attributed from the ledger) and a delegated grant.
struct Shopper {
  UserId user = 0;
  PaymentMethodId method = 0;
  SessionGrant grant;
};

// Everything behind the wire faces: one World (so a reservation, a hold, an authorization
// and a token are visible to each other and to the checkers), the fault rules added at run
// time, the wire clock and what only exists on the wire (idempotency records per account,
// authorization codes). httplib runs handlers on many threads and the world is
// single-threaded, so every access holds `mu`; a handler sleeps (latency faults) without it.
class FakeState {
 public:
  FakeState(Scenario scenario, std::vector<CompiledTemplate> templates,
            std::vector<OAuthClient> clients, std::vector<WebhookEndpoint> webhooks = {});

  HeldMutex mu;

  // Wire time in ms: it starts at 1 s when the fakes start or are reset, then follows the
  // steady clock, plus whatever the control API advanced it by (tokens and holds expire on
  // it; fault windows are measured on it).
  Time now() const;
  void advance_clock(Duration by) { offset_ += by; }
  // Unix seconds for what a client checks against its own clock (an event's `created`, a
  // webhook signature's `t`, a JWT's `iat`): the wall clock plus what the control API
  // advanced the fakes' clock by.
  int64_t unix_now() const;
  // A fresh world from the scenario, the scenario's fault rules, forgotten keys and codes.
  void reset();

  World& world() {  // REQUIRES: mu held
    CHECKRIDE_INVARIANT(mu.held(), "the fakes' world is touched only under their lock");
    return *world_;
  }
  const Scenario& scenario() const { return scenario_; }
  // Names this world, from the fakes' start or its last reset: the shards of one drive
  // are merged over one world's ground truth, never over a restarted or reset one.
  const std::string& world_id() const { return world_id_; }
  const std::vector<CompiledTemplate>& templates() const { return templates_; }

  // Faults, Toxiproxy-style: rules in the scenario's `faults:` shape, with ids.
  CallFault fault_for(Op op) { return plan_->for_call(op, now(), true); }
  WebhookFault webhook_fault_for(const std::string& type) {
    return plan_->for_webhook(type, now(), true);
  }
  uint64_t add_rule(const FaultRule& rule);
  bool remove_rule(uint64_t id);
  void clear_rules();
  const std::vector<std::pair<uint64_t, FaultRule>>& rules() const { return rules_; }
  // Strikes of the i-th rule since the rule set last changed.
  int64_t fired(std::size_t i) const { return plan_->fired(i); }
  const FaultPlan& plan() const { return *plan_; }

  // A new user with a card and a grant. `user_id` names which of the world's existing
  // bookings are theirs (those of that user, and those of every user).
  Shopper add_shopper(CardBehaviour card, uint32_t scopes, const std::string& user_id = "");
  UserId new_user() { return next_user_++; }
  // Users made so far (shoppers and logins), in id order.
  UserId last_user() const { return next_user_ - 1; }
  // Session outcomes a drive posted in pages, for its report request.
  nlohmann::json& report_pages() {
    CHECKRIDE_INVARIANT(mu.held(), "the report's pages are read under the world's lock");
    return report_pages_;
  }

  // Opaque token strings: a prefix, the id and a tag that ties it to this world, so a token
  // from before a reset or a guessed one is rejected.
  std::string token_name(TokenId id, bool refresh) const;
  TokenId token_id(std::string_view name) const;  // 0 when malformed, forged or stale

  HttpIdempotency& keys(Provider p) { return keys_[static_cast<int>(p)]; }
  // Whose keys a request's credential uses. Stripe scopes keys to the account, not to the
  // API key or token presented, so a retry after a token refresh (or by a restarted client
  // with a fresh client-credentials token) still finds the first answer: the platform
  // (sk_test_ keys and client-credentials tokens) is one scope, each user another.
  std::string idempotency_scope(const std::string& credential) const;
  const OAuthClient* client(std::string_view id) const;
  // The identity fake's index of a client (from 1), 0 for none.
  ClientIndex client_index(std::string_view id) const;
  const OAuthClient* client_at(ClientIndex i) const {
    return i == 0 || i > clients_.size() ? nullptr : &clients_[i - 1];
  }
  // The client delegated grants from the control API are issued to: checkride's own
  // orchestrator client (or the first confidential one).
  ClientIndex service_client() const;

  // The identity fake's signing keys, newest last; every one is in the JWKS. A key_rotation
  // fault adds a key, and drops the older ones unless it keeps them for a grace period.
  // The first is made when first needed (an RSA key takes a while to make).
  const RsaSigner& signing_key();
  const std::vector<std::unique_ptr<RsaSigner>>& signing_keys() {
    signing_key();
    return signing_keys_;
  }
  void rotate_signing_key(bool keep_old);
  // Access tokens as RFC 9068 JWTs (serve fakes --jwt-access-tokens): the opaque name is
  // the JWT's jti, so the ledger still decides whether it is active.
  bool jwt_access_tokens = false;
  // OpenID scopes (openid, profile, email) of each grant, by its family.
  std::unordered_map<TokenId, std::string> oidc_scopes;

  struct AuthorizationCode {
    std::string client_id;
    std::string redirect_uri;
    std::string challenge;  // S256 of the verifier
    UserId user = 0;
    uint32_t scopes = 0;
    std::string oidc_scopes;  // "openid profile ..." asked for beside the API scopes
    std::string nonce;
    Time expires_at = 0;
  };
  std::unordered_map<std::string, AuthorizationCode> codes;  // single use, lookup only
  uint64_t next_code = 1;
  // Stripe fields the payments ledger does not model (capture_method, currency, metadata,
  // customer, last error), per payment intent, for rendering the object.
  std::unordered_map<ObjectId, nlohmann::json> intent_extras;
  // What the wire knows of an intent beyond the fake's ledger; an empty object for one made
  // without the wire (a world's existing booking was paid before the session).
  const nlohmann::json& intent_extra(ObjectId id) const {
    static const nlohmann::json kNone = nlohmann::json::object();
    auto it = intent_extras.find(id);
    return it == intent_extras.end() || !it->second.is_object() ? kNone : it->second;
  }
  // Refunds by id ("re_<n>"), in creation order.
  struct Refund {
    ObjectId intent = 0;
    int64_t amount = 0;
    std::string reason;
    nlohmann::json metadata;
    Time created = 0;
  };
  std::map<uint64_t, Refund> refunds;
  // Stripe events and the webhook deliveries still owed (endpoints given at start stay
  // across a reset; those registered over the API do not).
  StripeEvents events;
  uint64_t next_refund = 1;
  uint64_t next_completion = 1;

  // Handlers that hold a connection open (the timeout fault) wake up when the fakes stop.
  void wait_or_stop(Duration ms);
  void stop();
  bool stopping() const { return stopping_; }

 private:
  // A new plan from rules_, keeping each surviving rule's fired count (`removed`: the index
  // of a rule just taken out).
  void rebuild_plan(std::size_t removed = static_cast<std::size_t>(-1));

  Scenario scenario_;
  std::vector<CompiledTemplate> templates_;
  std::vector<OAuthClient> clients_;
  std::vector<WebhookEndpoint> webhooks_;
  std::vector<std::unique_ptr<RsaSigner>> signing_keys_;
  uint64_t next_key_ = 1;
  std::unique_ptr<World> world_;
  std::unique_ptr<FaultPlan> plan_;
  std::vector<std::pair<uint64_t, FaultRule>> rules_;
  uint64_t next_rule_ = 1;
  UserId next_user_ = 1;
  nlohmann::json report_pages_ = nlohmann::json::array();
  uint64_t epoch_ = 0;
  std::string world_id_;
  HttpIdempotency keys_[kProviderCount];
  std::chrono::steady_clock::time_point started_;
  Duration offset_ = 0;
  std::condition_variable_any stop_cv_;
  bool stopping_ = false;
};

}  // namespace checkride
