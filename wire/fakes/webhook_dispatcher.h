#pragma once
#include <thread>

#include "wire/fakes/fake_state.h"

namespace checkride {

// Sends the payments face's webhook deliveries as they come due (one background thread):
// POST of the event JSON with a Stripe-Signature header, 2xx is delivered, anything else or
// no answer within 10 s is retried with backoff (StripeEvents::failed).
class WebhookDispatcher {
 public:
  explicit WebhookDispatcher(FakeState& state) : state_(state) {}
  ~WebhookDispatcher() { join(); }
  void start();
  // Returns once the thread has seen FakeState::stop().
  void join();

 private:
  void run();
  FakeState& state_;
  std::thread thread_;
};

}  // namespace checkride
