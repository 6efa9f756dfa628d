#include "simulator/shrink.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <set>

#include "protocol/input_error.h"
#include "reports/report.h"
#include "simulator/suite.h"

namespace checkride {
namespace {

// The search: one deterministic run per candidate, judged on one gate.
class Search {
 public:
  Search(const ShrinkOptions& o, const GateResult& gate) : options_(o), gate_(gate) {}

  // `force`: run even past the budget (the final check of the result).
  bool fails(const Scenario& candidate, bool force = false) {
    if (runs_ >= options_.max_runs && !force) return false;  // out of budget: keep what we have
    ++runs_;
    Report r = simulate_scenario(candidate);
    for (const auto& g : r.gates) {
      if (g.gate.metric == gate_.gate.metric && g.gate.text == gate_.gate.text && !g.passed) {
        last_actual_ = g.actual;
        last_ = std::move(r);
        return true;
      }
    }
    return false;
  }
  int runs() const { return runs_; }
  double last_actual() const { return last_actual_; }
  const Report& last() const { return last_; }

 private:
  const ShrinkOptions& options_;
  GateResult gate_;
  int runs_ = 0;
  double last_actual_ = 0;
  Report last_;
};

Scenario with_sessions(Scenario s, const std::vector<int64_t>& keep) {
  s.keep_sessions = keep;
  return s;
}

// ddmin over the kept sessions: try each chunk alone, then each complement, and refine.
std::vector<int64_t> ddmin(const Scenario& base, std::vector<int64_t> keep, Search& search) {
  std::size_t n = 2;
  while (keep.size() >= 2) {
    std::size_t chunk = (keep.size() + n - 1) / n;
    bool reduced = false;
    for (std::size_t start = 0; start < keep.size() && !reduced; start += chunk) {
      std::vector<int64_t> part(keep.begin() + start,
                                keep.begin() + std::min(keep.size(), start + chunk));
      if (search.fails(with_sessions(base, part))) {
        keep = part;
        n = 2;
        reduced = true;
      }
    }
    for (std::size_t start = 0; start < keep.size() && !reduced && n > 2; start += chunk) {
      std::vector<int64_t> rest(keep.begin(), keep.begin() + start);
      rest.insert(rest.end(), keep.begin() + std::min(keep.size(), start + chunk), keep.end());
      if (!rest.empty() && search.fails(with_sessions(base, rest))) {
        keep = rest;
        n = std::max<std::size_t>(n - 1, 2);
        reduced = true;
      }
    }
    if (reduced) continue;
    if (n >= keep.size()) break;
    n = std::min(keep.size(), n * 2);
  }
  return keep;
}

// The sessions the failing gate's witnesses name: often the failure needs only them.
std::vector<int64_t> witness_sessions(const Report& r, const std::string& metric) {
  std::set<int64_t> named, any;
  for (const auto& w : r.witnesses) {
    any.insert(static_cast<int64_t>(w.session));
    if (w.metric == metric) named.insert(static_cast<int64_t>(w.session));
  }
  const std::set<int64_t>& pick = named.empty() ? any : named;
  return {pick.begin(), pick.end()};
}

// The witnesses and the `before` sessions that arrived just before each, within `all`: a
// fault rule's nth call, a crash or a seat taken often falls in a neighbour's calls.
std::vector<int64_t> with_neighbours(const std::vector<int64_t>& named,
                                     const std::vector<int64_t>& all, std::size_t before) {
  std::vector<int64_t> order = all;
  std::sort(order.begin(), order.end());
  std::set<int64_t> keep;
  for (int64_t w : named) {
    auto at = std::lower_bound(order.begin(), order.end(), w);
    if (at == order.end() || *at != w) continue;
    const auto back =
        std::min<std::ptrdiff_t>(at - order.begin(), static_cast<std::ptrdiff_t>(before));
    keep.insert(at - back, at + 1);
  }
  return {keep.begin(), keep.end()};
}

bool earlier_nth(Scenario& s, Search& search);

// The witnesses alone, else with 1, 2, 4, ... sessions before each (up to 32): a start far
// smaller than every session, when one fails. A rule that strikes the nth call may need an
// earlier n once fewer sessions make calls; `s` takes that n. Empty when none fails.
std::vector<int64_t> witness_start(Scenario& s, const std::vector<int64_t>& named,
                                   const std::vector<int64_t>& all, Search& search) {
  if (named.empty()) return {};
  for (std::size_t before = 0; before <= 32; before = before == 0 ? 1 : before * 2) {
    std::vector<int64_t> window = before == 0 ? named : with_neighbours(named, all, before);
    if (window.size() * 2 >= all.size()) break;  // no smaller than starting from all
    Scenario candidate = with_sessions(s, window);
    if (search.fails(candidate) || earlier_nth(candidate, search)) {
      s.faults = candidate.faults;
      return window;
    }
  }
  return {};
}

GateResult target_gate(const Report& r, const std::string& wanted) {
  const GateResult* fallback = nullptr;
  for (const auto& g : r.gates) {
    if (g.passed) continue;
    if (!wanted.empty()) {
      if (g.gate.metric == wanted) return g;
      continue;
    }
    // A gate on the faults' own coverage fails in any small run; a safety gate is the story.
    if (g.gate.metric != "fault_rules_never_fired") return g;
    if (fallback == nullptr) fallback = &g;
  }
  if (fallback != nullptr) return *fallback;
  if (!wanted.empty()) {
    throw InputError("--gate", 0, wanted,
                     "this run does not fail that gate: nothing to shrink (the failing gates "
                     "are the ones to name)");
  }
  throw InputError(r.scenario, 0, "", "the run fails no gate: nothing to shrink");
}

// A rule that strikes the nth call strikes an earlier one when fewer sessions make calls:
// the smallest n that still fails.
bool earlier_nth(Scenario& s, Search& search) {
  bool changed = false;
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    for (int64_t n = 1; n < s.faults[i].nth; ++n) {
      Scenario candidate = s;
      candidate.faults[i].nth = n;
      if (search.fails(candidate)) {
        s = std::move(candidate);
        changed = true;
        break;
      }
    }
  }
  return changed;
}

// Makes count(s, i) for each i as small as the failure allows: 1 first (one run when any
// count will do), else halving while the failure holds.
template <typename Count>
bool halve_each(Scenario& s, std::size_t n, Count count, Search& search) {
  bool changed = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (count(s, i) > 1) {
      Scenario one = s;
      count(one, i) = 1;
      if (search.fails(one)) {
        s = std::move(one);
        changed = true;
        continue;
      }
    }
    while (count(s, i) > 1) {
      Scenario candidate = s;
      count(candidate, i) /= 2;
      if (!search.fails(candidate)) break;
      s = std::move(candidate);
      changed = true;
    }
  }
  return changed;
}

// A smaller world: each SKU's stock and each offer's capacity halved while the failure
// holds (an oversell needs only one unit more than there is).
bool smaller_world(Scenario& s, Search& search) {
  bool stock = halve_each(
      s, s.skus.size(), [](Scenario& x, std::size_t i) -> int32_t& { return x.skus[i].stock; },
      search);
  bool seats = halve_each(
      s, s.offers.size(),
      [](Scenario& x, std::size_t i) -> int32_t& { return x.offers[i].capacity; }, search);
  return stock || seats;
}

// Drops each fault rule that the failure does not need; a kept rule keeps its stream.
bool fewer_rules(Scenario& s, Search& search) {
  bool changed = false;
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    if (s.faults[i].stream < 0) s.faults[i].stream = static_cast<int64_t>(i);
  }
  for (std::size_t i = s.faults.size(); i-- > 0;) {
    Scenario candidate = s;
    candidate.faults.erase(candidate.faults.begin() + static_cast<std::ptrdiff_t>(i));
    if (search.fails(candidate)) {
      s = std::move(candidate);
      changed = true;
    }
  }
  return changed;
}

// Halves each bounded window while the failure holds.
void narrower_windows(Scenario& s, Search& search, std::vector<std::string>& narrowed) {
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    if (s.faults[i].to == std::numeric_limits<Time>::max()) continue;
    const Time from = s.faults[i].from, to = s.faults[i].to;
    for (int step = 0; step < 12 && s.faults[i].to - s.faults[i].from > 50; ++step) {
      const Time lo = s.faults[i].from, hi = s.faults[i].to, mid = lo + (hi - lo) / 2;
      bool kept = false;
      for (auto [a, b] : {std::pair{lo, mid}, std::pair{mid, hi}}) {
        Scenario candidate = s;
        candidate.faults[i].from = a;
        candidate.faults[i].to = b;
        if (search.fails(candidate)) {
          s = std::move(candidate);
          kept = true;
          break;
        }
      }
      if (!kept) break;
    }
    if (s.faults[i].from != from || s.faults[i].to != to) {
      narrowed.push_back(describe_fault(s.faults[i], i) + ": " + std::to_string(from) + "-" +
                         std::to_string(to) + " ms -> " + std::to_string(s.faults[i].from) + "-" +
                         std::to_string(s.faults[i].to) + " ms");
    }
  }
}

// A shorter load phase: fewer arrivals after the last session kept. Faults strike only while
// sessions arrive, so the load must still outlast the kept sessions' calls: try twice the
// last kept number, then four times, ...
void shorter_load(Scenario& s, Search& search) {
  for (int64_t arrivals = s.keep_sessions.back(); arrivals < s.sessions; arrivals *= 2) {
    Scenario shorter = s;
    shorter.sessions = arrivals;
    if (search.fails(shorter)) {
      s = std::move(shorter);
      return;
    }
  }
}

}  // namespace

ShrinkResult shrink_scenario(const ShrinkOptions& o) {
  std::vector<std::string> overrides = o.overrides;
  if (o.seed >= 0) overrides.push_back("seed=" + std::to_string(o.seed));
  Scenario s = load_scenario(o.scenario, overrides);
  apply_defects(s, o.defects);
  Report first = simulate_scenario(s);
  GateResult gate = target_gate(first, o.gate);
  Search search(o, gate);
  ShrinkResult result;
  result.gate = gate.gate.metric + " " + gate.gate.text;
  result.sessions_before = static_cast<int64_t>(first.metrics.at("sessions"));
  result.rules_before = s.faults.size();

  std::vector<int64_t> all(static_cast<std::size_t>(s.sessions));
  if (!s.keep_sessions.empty()) {
    all = s.keep_sessions;
  } else {
    std::iota(all.begin(), all.end(), 1);
  }
  result.original = s;
  std::vector<int64_t> start =
      witness_start(s, witness_sessions(first, gate.gate.metric), all, search);
  if (start.empty()) {
    // Before cutting sessions one run at a time, a smaller world may need far fewer of them.
    start = all;
    if (smaller_world(s, search)) {
      std::vector<int64_t> named =
          witness_start(s, witness_sessions(search.last(), gate.gate.metric), all, search);
      if (!named.empty()) start = named;
    }
  }
  s.keep_sessions = ddmin(s, start, search);
  // Fewer rules, an earlier nth and a smaller world can each free sessions: repeat.
  for (int round = 0; round < 4; ++round) {
    bool changed = fewer_rules(s, search);
    changed = earlier_nth(s, search) || changed;
    changed = smaller_world(s, search) || changed;
    if (!changed) break;
    s.keep_sessions = ddmin(s, s.keep_sessions, search);
  }
  // A failure ddmin could not cut further (each session carries an nth rule's count) may
  // still live in its witnesses and a few sessions before them, with an earlier n.
  if (s.keep_sessions.size() > 2 && search.fails(s)) {
    std::vector<int64_t> named = witness_start(s, witness_sessions(search.last(), gate.gate.metric),
                                               s.keep_sessions, search);
    if (!named.empty()) s.keep_sessions = ddmin(s, named, search);
  }
  shorter_load(s, search);
  narrower_windows(s, search, result.narrowed);
  // The search ends on a failing candidate or none: run the result once more to know.
  if (!search.fails(s, true)) throw std::logic_error("the shrunk scenario no longer fails");
  result.actual = search.last_actual();
  result.sessions_after = static_cast<int64_t>(search.last().metrics.at("sessions"));
  result.rules_after = s.faults.size();
  result.sessions_arriving = s.sessions;
  result.runs = search.runs();
  std::vector<int64_t> witnesses = witness_sessions(search.last(), gate.gate.metric);
  result.witness_session =
      static_cast<uint64_t>(witnesses.empty() ? s.keep_sessions.front() : witnesses.front());
  result.minimal = std::move(s);
  return result;
}

}  // namespace checkride
