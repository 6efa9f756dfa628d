// How many connections one client address may hold open at a checkride HTTP host (serve
// orchestrator, serve fakes, record llm): --max-connections-per-client, 0 for no limit.
#pragma once
#include <cstddef>

namespace checkride {

inline constexpr std::size_t kDefaultConnectionsPerClient = 512;

}  // namespace checkride
