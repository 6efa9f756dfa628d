#include "protocol/invariant.h"

#include <cstdio>
#include <cstdlib>

namespace checkride {

void invariant_broken(const char* condition, const char* what, const char* file, int line) {
  std::fprintf(stderr, "checkride: invariant broken at %s:%d: %s (%s)\n", file, line, what,
               condition);
  std::abort();
}

}  // namespace checkride
