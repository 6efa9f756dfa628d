#include "wire/fakes/stripe_events.h"

#include <algorithm>

#include "protocol/crypto.h"

namespace checkride {

bool WebhookEndpoint::wants(const std::string& type) const {
  if (deleted) return false;
  return std::find(enabled.begin(), enabled.end(), "*") != enabled.end() ||
         std::find(enabled.begin(), enabled.end(), type) != enabled.end();
}

void StripeEvents::remove_endpoint(std::size_t i) {
  endpoints_[i].deleted = true;
  std::erase_if(queue_, [&](const Delivery& d) { return d.endpoint == i; });
}

std::size_t StripeEvents::add_endpoint(WebhookEndpoint e) {
  endpoints_.push_back(std::move(e));
  return endpoints_.size() - 1;
}

std::vector<Delivery*> StripeEvents::add(StripeEvent e, Time now) {
  events_.push_back(std::move(e));
  const std::size_t index = events_.size() - 1;
  std::size_t first = queue_.size();
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (endpoints_[i].wants(events_[index].type)) queue_.push_back(Delivery{index, i, 1, now});
  }
  std::vector<Delivery*> added;
  for (std::size_t i = first; i < queue_.size(); ++i) added.push_back(&queue_[i]);
  return added;
}

std::vector<Delivery> StripeEvents::take_due(Time now) {
  std::vector<Delivery> out;
  std::deque<Delivery> later;
  std::vector<Delivery> held;  // each goes right after the next delivery to its endpoint
  for (Delivery& d : queue_) {
    if (d.due > now) {
      later.push_back(d);
      continue;
    }
    if (d.held && now - d.due < kHoldLimit) {
      held.push_back(d);
      continue;
    }
    out.push_back(d);
    for (auto it = held.begin(); it != held.end();) {
      if (it->endpoint != d.endpoint) {
        ++it;
        continue;
      }
      it->held = false;
      out.push_back(*it);
      it = held.erase(it);
    }
  }
  for (const Delivery& h : held) later.push_back(h);
  queue_ = std::move(later);
  return out;
}

void StripeEvents::failed(Delivery d, Time now) {
  if (d.attempt >= kMaxAttempts || d.forged) return;  // Stripe gives up and disables, eventually
  d.due = now + (kRetryBase << (d.attempt - 1));
  ++d.attempt;
  d.held = false;
  d.bad_signature = false;  // the fault struck that attempt, not the retries
  queue_.push_back(d);
}

void StripeEvents::clear() {
  endpoints_.clear();
  events_.clear();
  queue_.clear();
  delivered_ = 0;
}

}  // namespace checkride
