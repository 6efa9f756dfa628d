#include "fakes/world.h"

namespace checkride {

ProviderReply World::handle(const ProviderRequest& req, Time now, Time ready_at) {
  switch (provider_of(req.op)) {
    case Provider::kCatalog:
      return catalog.handle(req, now, ready_at);
    case Provider::kPayment:
      return payments.handle(req, now, ready_at);
    case Provider::kBooking:
      return bookings.handle(req, now, ready_at);
    case Provider::kIdentity:
      return identity.handle(req, now);
  }
  return ProviderReply{};
}

}  // namespace checkride
