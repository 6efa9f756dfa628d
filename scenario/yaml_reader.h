#pragma once
// What every section of a scenario (and a world or faults file) reads with: a YAML mapping
// whose unknown keys are errors, and the field shapes they share (rates, latency shapes,
// relative paths). Errors are InputError naming the file, line and field.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <set>
#include <string>

#include "protocol/input_error.h"
#include "protocol/time.h"
#include "scenario/scenario.h"

namespace checkride {

constexpr int64_t kMaxInt32 = 2147483647;
constexpr int64_t kMaxBalance = int64_t{1} << 40;  // cents: ten billion dollars
// The most sessions one run may ask for: past it a run would take hours, not seconds.
constexpr int64_t kMaxSessions = 100000000;

inline int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// Reads one YAML mapping, remembering which keys were used so unknown ones are errors.
class MapReader {
 public:
  MapReader(const YAML::Node& node, const std::string& file, std::string field)
      : node_(node), file_(file), field_(std::move(field)) {
    if (!node.IsMap()) fail(node, "", "expected a mapping");
  }
  bool has(const std::string& key) {
    used_.insert(key);
    return static_cast<bool>(node_[key]);
  }
  YAML::Node get(const std::string& key) {
    used_.insert(key);
    return node_[key];
  }
  std::string path(const std::string& key) const {
    return field_.empty() ? key : field_ + "." + key;
  }
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& message) const {
    throw InputError(file_, line_of(at), key.empty() ? field_ : path(key), message);
  }
  std::string str(const std::string& key, const std::string& dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    if (!n.IsScalar()) fail(n, key, "expected a string");
    return n.Scalar();
  }
  int64_t integer(const std::string& key, int64_t dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    int64_t v = 0;
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || ec != std::errc() || p != s.data() + s.size()) {
      fail(n, key, "expected an integer, got '" + s + "'");
    }
    return v;
  }
  // An integer in [lo, hi] when the key is given (else `dflt`, which may lie outside, as a
  // "not given" mark): a value past it is refused, never wrapped into range.
  int64_t in_range(const std::string& key, int64_t dflt, int64_t lo, int64_t hi) {
    if (!has(key)) return dflt;
    int64_t v = integer(key, dflt);
    if (v < lo || v > hi) {
      fail(get(key), key,
           "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
               ", got " + std::to_string(v));
    }
    return v;
  }
  // The same, as the 32-bit field it fills.
  int32_t bounded(const std::string& key, int64_t dflt, int64_t lo, int64_t hi) {
    return static_cast<int32_t>(in_range(key, dflt, lo, hi));
  }
  // An amount of money in cents, from 0 to kMaxBalance.
  int64_t cents(const std::string& key, int64_t dflt) {
    return in_range(key, dflt, 0, kMaxBalance);
  }
  double real(const std::string& key, double dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    double v = 0;
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || ec != std::errc() || p != s.data() + s.size()) {
      fail(n, key, "expected a number, got '" + s + "'");
    }
    return v;
  }
  bool boolean(const std::string& key, bool dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false"))
      return n.Scalar() == "true";
    fail(n, key, "expected true or false");
  }
  Duration duration(const std::string& key, Duration dflt) {
    if (!has(key)) return dflt;
    YAML::Node n = get(key);
    Duration d;
    if (!n.IsScalar() || !parse_duration(n.Scalar(), d)) {
      fail(n, key,
           "expected a duration like 250ms, 5s, 3m or 1h (at most 366 days), got '" +
               (n.IsScalar() ? n.Scalar() : std::string("a non-scalar")) + "'");
    }
    return d;
  }
  void finish() const {
    for (const auto& kv : node_) {
      std::string key = kv.first.Scalar();
      if (!used_.count(key)) {
        std::string known;
        for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
        fail(kv.first, key, "unknown key; expected one of: " + known);
      }
    }
  }
  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }

 private:
  YAML::Node node_;
  const std::string& file_;
  std::string field_;
  std::set<std::string> used_;
};

// Rates: "50/s", "3000/m", or a bare number per second. Returns events per millisecond.
double parse_rate(const YAML::Node& n, const std::string& file, const std::string& field);
LatencySpec parse_latency(const YAML::Node& n, const std::string& file, const std::string& field);
// A path relative to the file that names it.
std::string resolve(const std::string& base_file, const std::string& rel);
YAML::Node load_yaml_file(const std::string& path, const std::string& what);
// A whole decimal integer, nothing before or after.
bool parse_whole(const std::string& s, int64_t& out);

}  // namespace checkride
