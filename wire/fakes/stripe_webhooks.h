#pragma once
#include <string>

#include "protocol/provider.h"
#include "wire/fakes/fake_state.h"

namespace checkride {

// Records a Stripe event about the intent (its object as it is now) and queues its
// deliveries, with the webhook fault rules applied. Holds `state.mu`.
void emit_intent_event(FakeState& state, ObjectId intent, const std::string& type);
void emit_refund_event(FakeState& state, ObjectId intent);

// After a confirmation or a 3-D Secure completion: automatic capture captures at once, as
// Stripe does; the error of an earlier attempt is cleared; the matching events go out.
void settle_authorized(FakeState& state, ObjectId intent, Time now);

// A 3-D Secure challenge finished (the control API stands in for the customer's browser).
// False when the intent was not waiting for it.
bool finish_authentication(FakeState& state, ObjectId intent, bool authenticated, Time now);

}  // namespace checkride
