#pragma once
#include <boost/container/small_vector.hpp>
#include <cstdint>

namespace checkride {

// The ids one user or session owns in a ledger (intents, reservations, keys, ...). Almost
// always a handful, so they live inline: no allocation per user on the hot path.
using IdList = boost::container::small_vector<uint64_t, 4>;

}  // namespace checkride
