#include "wire/fakes/fake_state.h"

#include <cstdio>

#include "protocol/crypto.h"

namespace checkride {
namespace {
constexpr Time kWireEpoch = 1000;  // 0 means "never" in the ledgers (captured_at, ...)
}

FakeState::FakeState(Scenario scenario, std::vector<CompiledTemplate> templates,
                     std::vector<OAuthClient> clients, std::vector<WebhookEndpoint> webhooks)
    : scenario_(std::move(scenario)),
      templates_(std::move(templates)),
      clients_(std::move(clients)),
      webhooks_(std::move(webhooks)) {
  reset();
}

Time FakeState::now() const {
  auto elapsed = std::chrono::steady_clock::now() - started_;
  return kWireEpoch + offset_ +
         std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

int64_t FakeState::unix_now() const {
  auto wall = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::seconds>(wall).count() + offset_ / 1000;
}

void FakeState::reset() {
  world_ = std::make_unique<World>(scenario_.access_ttl);
  furnish_world(*world_, scenario_);
  rules_.clear();
  for (const auto& r : scenario_.faults) rules_.emplace_back(next_rule_++, r);
  plan_.reset();
  rebuild_plan();
  for (auto& k : keys_) k.clear();
  codes.clear();
  intent_extras.clear();
  refunds.clear();
  oidc_scopes.clear();
  events.clear();
  for (const WebhookEndpoint& e : webhooks_) events.add_endpoint(e);
  next_refund = 1;
  next_user_ = 1;
  ++epoch_;
  world_id_ = random_token_hex(12);
  started_ = std::chrono::steady_clock::now();
  offset_ = 0;
}

void FakeState::rebuild_plan(std::size_t removed) {
  std::vector<int64_t> fired;
  if (plan_) {
    for (std::size_t i = 0; i < plan_->size(); ++i) {
      if (i != removed) fired.push_back(plan_->fired(i));
    }
  }
  std::vector<FaultRule> rules;
  for (const auto& [id, r] : rules_) rules.push_back(r);
  plan_ = std::make_unique<FaultPlan>(rules, scenario_.seed, FaultHost::kWire);
  for (std::size_t i = 0; i < fired.size() && i < plan_->size(); ++i) plan_->set_fired(i, fired[i]);
}

uint64_t FakeState::add_rule(const FaultRule& rule) {
  uint64_t id = next_rule_++;
  rules_.emplace_back(id, rule);
  plan_->add(rule);  // O(1): no rebuild, and the other rules keep their counts
  return id;
}

bool FakeState::remove_rule(uint64_t id) {
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (it->first == id) {
      const auto index = static_cast<std::size_t>(it - rules_.begin());
      rules_.erase(it);
      rebuild_plan(index);
      return true;
    }
  }
  return false;
}

void FakeState::clear_rules() {
  rules_.clear();
  plan_.reset();
  rebuild_plan();
}

Shopper FakeState::add_shopper(CardBehaviour card, uint32_t scopes, const std::string& user_id) {
  Shopper s;
  s.user = new_user();
  s.method = world_->payments.add_method(s.user, card);
  world_->seed_existing(s.user, user_id, scenario_.existing, now());
  s.grant = world_->identity.login(s.user, s.user, scopes, now(), service_client());
  return s;
}

std::string FakeState::token_name(TokenId id, bool refresh) const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s_%llu_%016llx", refresh ? "rt" : "at",
                static_cast<unsigned long long>(id),
                static_cast<unsigned long long>(mix64(mix64(id, epoch_), scenario_.seed)));
  return buf;
}

TokenId FakeState::token_id(std::string_view name) const {
  if (name.find('.') != std::string_view::npos) {  // a JWT access token: its jti names it
    nlohmann::json claims;
    for (const auto& key : signing_keys_) {
      if (key->verify_jwt(name, claims) && claims.contains("jti") && claims["jti"].is_string()) {
        std::string jti = claims["jti"].get<std::string>();
        return jti.find('.') == std::string::npos ? token_id(jti) : 0;
      }
    }
    return 0;
  }
  if (name.size() < 5 || name[2] != '_') return 0;
  std::size_t sep = name.find('_', 3);
  if (sep == std::string_view::npos) return 0;
  TokenId id = 0;
  for (char c : name.substr(3, sep - 3)) {
    if (c < '0' || c > '9') return 0;
    id = id * 10 + static_cast<TokenId>(c - '0');
  }
  bool refresh = name.substr(0, 2) == "rt";
  return token_name(id, refresh) == name ? id : 0;
}

std::string FakeState::idempotency_scope(const std::string& credential) const {
  if (credential.rfind("sk_test_", 0) == 0) return "platform";
  auto who = world_->identity.introspect(token_id(credential), now());
  if (!who.active) return "credential:" + credential;  // refused by the call itself
  return who.user == 0 ? "platform" : "user:" + std::to_string(who.user);
}

ClientIndex FakeState::client_index(std::string_view id) const {
  for (std::size_t i = 0; i < clients_.size(); ++i)
    if (clients_[i].id == id) return static_cast<ClientIndex>(i + 1);
  return 0;
}

ClientIndex FakeState::service_client() const {
  if (ClientIndex i = client_index("checkride-orchestrator")) return i;
  for (std::size_t i = 0; i < clients_.size(); ++i)
    if (!clients_[i].secret.empty()) return static_cast<ClientIndex>(i + 1);
  return 0;
}

const RsaSigner& FakeState::signing_key() {
  if (signing_keys_.empty()) rotate_signing_key(false);
  return *signing_keys_.back();
}

void FakeState::rotate_signing_key(bool keep_old) {
  if (!keep_old) signing_keys_.clear();
  signing_keys_.push_back(std::make_unique<RsaSigner>("key-" + std::to_string(next_key_++)));
  // A grace period keeps one old key, not every key ever made.
  if (signing_keys_.size() > 2) signing_keys_.erase(signing_keys_.begin());
}

const OAuthClient* FakeState::client(std::string_view id) const {
  for (const auto& c : clients_)
    if (c.id == id) return &c;
  return nullptr;
}

void FakeState::wait_or_stop(Duration ms) {
  std::unique_lock<HeldMutex> lock(mu);
  stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
}

void FakeState::stop() {
  {
    std::lock_guard<HeldMutex> lock(mu);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

}  // namespace checkride
