#pragma once
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/stripe_webhook.h"
#include "protocol/time.h"

namespace checkride {

// A webhook endpoint registered with the payments face (POST /v1/webhook_endpoints, the
// scenario's `webhooks:` or `serve fakes --webhook URL`). Its secret signs every delivery.
struct WebhookEndpoint {
  std::string url;
  std::string secret;                // whsec_...
  std::vector<std::string> enabled;  // event types, or "*"
  int64_t created = 0;               // unix seconds
  bool deleted = false;              // DELETE /v1/webhook_endpoints/{id}: no more deliveries
  bool wants(const std::string& type) const;
};

// One Stripe event ("evt_<index+1>"): its type and the object as it was when it happened.
struct StripeEvent {
  std::string type;
  nlohmann::json object;
  int64_t created = 0;  // unix seconds
};

// One attempt to deliver an event to an endpoint.
struct Delivery {
  std::size_t event = 0;
  std::size_t endpoint = 0;
  int attempt = 1;
  Time due = 0;  // fakes' clock
  bool bad_signature = false;
  bool held = false;  // the reorder fault: goes after the endpoint's next delivery
  // The forge fault: not Stripe's. The event's intent claimed authorized, under another
  // event id, signed with a secret that is not the endpoint's; never retried.
  bool forged = false;
};

// The events the payments face emitted and the deliveries still owed, in order. Stripe
// retries a failed delivery with exponential backoff; the fake does the same in its clock
// (an hour becomes `kRetryBase` doubling, so a test can advance the clock through them).
class StripeEvents {
 public:
  static constexpr Duration kRetryBase = kSecond;
  static constexpr int kMaxAttempts = 8;

  std::size_t add_endpoint(WebhookEndpoint e);
  void remove_endpoint(std::size_t i);
  const std::vector<WebhookEndpoint>& endpoints() const { return endpoints_; }
  // Records the event and queues a delivery to each endpoint that wants it; returns the
  // new deliveries so that faults can act on them.
  std::vector<Delivery*> add(StripeEvent e, Time now);
  const std::vector<StripeEvent>& events() const { return events_; }

  // The deliveries due by `now`, taken off the queue, in queue order (a held one goes after
  // the next delivery to its endpoint, or alone once it has waited `kHoldLimit`).
  std::vector<Delivery> take_due(Time now);
  // A delivery the endpoint refused or never answered: again after the backoff, until
  // kMaxAttempts.
  void failed(Delivery d, Time now);
  void requeue(Delivery d) { queue_.push_back(d); }
  int64_t delivered() const { return delivered_; }
  void count_delivered() { ++delivered_; }
  void clear();

 private:
  static constexpr Duration kHoldLimit = 2 * kSecond;
  std::vector<WebhookEndpoint> endpoints_;
  std::vector<StripeEvent> events_;
  std::deque<Delivery> queue_;
  int64_t delivered_ = 0;
};

}  // namespace checkride
