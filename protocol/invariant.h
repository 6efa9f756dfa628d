#pragma once

// Invariants: what can never legitimately happen (a saga stepping backwards, a finished
// saga with compensations still owed). Unlike assert() they are checked in every build,
// Release included, so every simulated run checks them; a breach aborts with what broke.
#define CHECKRIDE_INVARIANT(condition, what) \
  ((condition) ? static_cast<void>(0)        \
               : ::checkride::invariant_broken(#condition, (what), __FILE__, __LINE__))

namespace checkride {

[[noreturn]] void invariant_broken(const char* condition, const char* what, const char* file,
                                   int line);

}  // namespace checkride
