#include "scenario/yaml_reader.h"

#include <cmath>
#include <filesystem>

#include "protocol/input_file.h"

namespace checkride {

// Rates: "50/s", "3000/m", or a bare number per second. Returns events per millisecond.
double parse_rate(const YAML::Node& n, const std::string& file, const std::string& field) {
  std::string s = n.IsScalar() ? n.Scalar() : "";
  std::string_view v = s;
  double per = 1000.0;
  if (v.size() > 2 && v.substr(v.size() - 2) == "/s") {
    v.remove_suffix(2);
  } else if (v.size() > 2 && v.substr(v.size() - 2) == "/m") {
    v.remove_suffix(2);
    per = 60000.0;
  }
  double rate;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), rate);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || !std::isfinite(rate) ||
      rate < 0) {
    throw InputError(file, line_of(n), field,
                     "expected a rate like 50/s or 3000/m, got '" + s + "'");
  }
  return rate / per;
}

LatencySpec parse_latency(const YAML::Node& n, const std::string& file, const std::string& field) {
  MapReader m(n, file, field);
  LatencySpec spec;
  if (m.has("fixed")) {
    spec.kind = LatencySpec::Kind::kFixed;
    spec.a = m.duration("fixed", 0);
  } else if (m.has("min") || m.has("max")) {
    spec.kind = LatencySpec::Kind::kUniform;
    spec.a = m.duration("min", 0);
    spec.b = m.duration("max", spec.a);
    if (spec.b < spec.a) m.fail(n, "max", "expected max >= min");
  } else {
    spec.kind = LatencySpec::Kind::kLognormal;
    spec.a = m.duration("median", 10);
    spec.b = m.duration("p99", spec.a * 3);
    if (spec.a <= 0 || spec.b < spec.a) m.fail(n, "p99", "expected 0 < median <= p99");
  }
  m.finish();
  return spec;
}

std::string resolve(const std::string& base_file, const std::string& rel) {
  std::filesystem::path p(rel);
  if (p.is_absolute()) return p.string();
  return (std::filesystem::path(base_file).parent_path() / p).lexically_normal().string();
}

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  if (!input_path_exists(path))
    throw InputError(path, 0, "", "cannot open " + what + ": " + why_path_missing(path));
  return load_yaml_input(path, what);
}

bool parse_whole(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

}  // namespace checkride
