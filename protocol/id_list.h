#pragma once
#include <boost/container/small_vector.hpp>
#include <cstdint>

namespace checkride {

// The ids one user or session owns in a ledger (intents, reservations, keys, ...). Almost
// always a handful, so they live inline: no allocation per user on the hot path.
using IdList = boost::container::small_vector<uint64_t, 4>;

// The list `member` of `map`'s entry for `key`; an empty list when there is no entry.
template <typename Map, typename Entry>
const IdList& ids_of(const Map& map, uint64_t key, IdList Entry::*member) {
  static const IdList kNone;
  auto it = map.find(key);
  return it == map.end() ? kNone : it->second.*member;
}

}  // namespace checkride
