#include "wire/fakes/webhook_dispatcher.h"

#include <httplib.h>

#include "wire/fakes/stripe_face.h"

namespace checkride {
namespace {

constexpr Duration kPoll = 10;

struct Outgoing {
  Delivery delivery;
  std::string url;
  std::string payload;
  std::string signature;
};

// Splits "http://host:port/path" into the client's base and the path.
bool split_url(const std::string& url, std::string& base, std::string& path) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  std::size_t slash = url.find('/', scheme + 3);
  base = url.substr(0, slash);
  path = slash == std::string::npos ? "/" : url.substr(slash);
  return true;
}

// The forge fault's body: the requires_action event rewritten to say the intent was
// authorized, under an id Stripe never issued.
void forge(nlohmann::json& event) {
  event["id"] = "evt_forged_" + event["id"].get<std::string>().substr(4);
  event["type"] = "payment_intent.amount_capturable_updated";
  nlohmann::json& intent = event["data"]["object"];
  intent["status"] = "requires_capture";
  intent["amount_capturable"] = intent.value("amount", 0);
  intent["next_action"] = nullptr;
}

bool send(const Outgoing& o) {
  std::string base, path;
  if (!split_url(o.url, base, path)) return false;
  httplib::Client client(base);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(10));
  httplib::Headers headers = {{"Stripe-Signature", o.signature},
                              {"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}};
  auto res = client.Post(path, headers, o.payload, "application/json; charset=utf-8");
  return res && res->status >= 200 && res->status < 300;
}

}  // namespace

void WebhookDispatcher::start() {
  thread_ = std::thread([this] { run(); });
}

void WebhookDispatcher::join() {
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::run() {
  while (!state_.stopping()) {
    std::vector<Outgoing> due;
    {
      std::lock_guard<HeldMutex> lock(state_.mu);
      for (const Delivery& d : state_.events.take_due(state_.now())) {
        const WebhookEndpoint& e = state_.events.endpoints()[d.endpoint];
        nlohmann::json event = event_json(state_, d.event);
        if (d.forged) forge(event);
        std::string payload = event.dump();
        // The bad_signature and forge faults sign with a secret the endpoint does not know.
        std::string secret =
            d.bad_signature || d.forged ? e.secret + "-not-the-endpoint-secret" : e.secret;
        due.push_back(
            Outgoing{d, e.url, payload, stripe_signature(secret, state_.unix_now(), payload)});
      }
    }
    for (const Outgoing& o : due) {
      bool ok = send(o);
      std::lock_guard<HeldMutex> lock(state_.mu);
      if (ok) {
        state_.events.count_delivered();
      } else {
        state_.events.failed(o.delivery, state_.now());
      }
    }
    state_.wait_or_stop(kPoll);
  }
}

}  // namespace checkride
