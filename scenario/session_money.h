#pragma once
#include "fakes/world.h"
#include "protocol/money_tally.h"

namespace checkride {

// What the fakes' ledgers say moved for `user` since its session began: captures on its
// cards (each the world names by its name, any other as one instrument, kAnyCard) and debits of its stored value charged, what either
// got back refunded, certificates issued to it credited. What was seeded before the session
// (a world's paid bookings and orders) is not a charge of the session; a refund of it is.
// Ground truth: a replay compares this, call by call, with what the recording states.
MoneyTally moved_in_session(UserId user, const World& w);

}  // namespace checkride
