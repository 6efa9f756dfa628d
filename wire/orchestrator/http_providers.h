#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "protocol/provider.h"
#include "wire/orchestrator/sqlite_store.h"

namespace httplib {
class Client;
struct Response;
}  // namespace httplib

namespace checkride {

// Where the providers live and how the orchestrator authenticates to them.
struct ProviderEndpoints {
  std::string payments = "http://127.0.0.1:12111";
  std::string identity = "http://127.0.0.1:12112";
  std::string catalog = "http://127.0.0.1:12113";
  std::string bookings = "http://127.0.0.1:12114";
  // When set, every payments call authenticates with this secret key (a real Stripe test
  // account); otherwise with the OAuth token the core hands over.
  std::string stripe_key;
  std::string client_id = "checkride-orchestrator";  // the orchestrator's own OAuth client
  std::string client_secret = "checkride-orchestrator-secret";
};

// One worker thread's keep-alive connections, one per provider.
struct ProviderConnections {
  std::unique_ptr<httplib::Client> clients[kProviderCount];
  ProviderConnections();
  ~ProviderConnections();
};

// The provider adapters: each ProviderRequest the core emits becomes one HTTP request in the
// wire shapes of docs/wire.md (Stripe's form-encoded payment intents, the OAuth token
// endpoint, the catalog and bookings JSON APIs), and the answer becomes a ProviderReply.
// Ids and tokens in answers are interned, so the core only ever sees integers.
//
// A transport failure after the request was written is a timeout (the outcome is unknown
// and the core treats it as possibly committed); a refused connection is "unavailable".
class HttpProviders {
 public:
  // `now` is the service clock in ms; `names` interns provider ids and tokens.
  HttpProviders(ProviderEndpoints endpoints, ExternalNames& names, std::function<Time()> now);
  ~HttpProviders();

  // The token id the core uses for the orchestrator's own (client-credentials) calls; the
  // adapter substitutes a current token, fetched and renewed here.
  static constexpr TokenId kServiceToken = ~TokenId{0};

  DebitParts paid_debits_of(const nlohmann::json& j);
  static std::vector<std::string> paid_by_of(const nlohmann::json& j);
  // A provider's HTTP answer to `request` as the core's reply: outside input, read typed.
  ProviderReply read_answer(const ProviderRequest& request, const httplib::Response& res, Time now);
  ProviderReply perform(const ProviderRequest& request, Duration timeout,
                        ProviderConnections& connections);

 private:
  std::string bearer_for(const ProviderRequest& request, ProviderConnections& c, Duration timeout,
                         bool renew);
  ProviderReply read_error(const httplib::Response& res, const nlohmann::json& j);
  ProviderReply read_success(const ProviderRequest& r, const nlohmann::json& j, Time now);

  ProviderEndpoints endpoints_;
  ExternalNames& names_;
  std::function<Time()> now_;
  std::mutex token_mu_;
  std::string service_token_;
  Time service_token_expires_ = 0;
};

}  // namespace checkride
