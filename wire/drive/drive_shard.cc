#include "wire/drive/drive_shard.h"

#include <nlohmann/json.hpp>
#include <regex>

#include "protocol/input_error.h"
#include "scenario/checkers.h"

namespace checkride {
namespace {

using nlohmann::json;

// Numbers of a histogram's JSON that this program could have written: no bucket below 0, no
// count that is not a whole number.
constexpr int64_t kMaxLatencyMs = int64_t{1} << 40;
constexpr int64_t kMaxBucketCount = int64_t{1} << 48;

const json& member(const json& doc, const char* key, json::value_t type, const std::string& file,
                   const std::string& where) {
  const std::string field = where.empty() ? key : where + "." + key;
  if (!doc.is_object() || !doc.contains(key)) {
    throw InputError(file, 0, field, "missing: is this a drive shard file (drive --shard I/N)?");
  }
  const json& v = doc[key];
  const bool fits = v.type() == type || (type == json::value_t::number_integer &&
                                         v.type() == json::value_t::number_unsigned);
  if (!fits) throw InputError(file, 0, field, std::string("expected ") + json(type).type_name());
  return v;
}

int64_t whole(const json& v, const std::string& file, const std::string& field) {
  if (!v.is_number_integer() ||
      (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() < 0)) {
    throw InputError(file, 0, field, "expected a whole number >= 0");
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    throw InputError(file, 0, field, "expected a whole number below 2^63");
  }
  return v.get<int64_t>();
}

LogHistogram histogram(const json& j, const std::string& file, const std::string& field) {
  if (!j.is_object() || !j.contains("buckets") || !j["buckets"].is_array() || !j.contains("max")) {
    throw InputError(file, 0, field, "expected a histogram {max, buckets: [[low, count]...]}");
  }
  json checked = {{"max", whole(j["max"], file, field + ".max")}, {"buckets", json::array()}};
  for (const auto& b : j["buckets"]) {
    if (!b.is_array() || b.size() != 2 || whole(b[0], file, field + ".buckets") > kMaxLatencyMs) {
      throw InputError(file, 0, field + ".buckets", "expected [low, count] with low <= 2^40 ms");
    }
    const int64_t n = whole(b[1], file, field + ".buckets");
    if (n > kMaxBucketCount) throw InputError(file, 0, field + ".buckets", "a count over 2^48");
    checked["buckets"].push_back({b[0], n});
  }
  return LogHistogram::from_json(checked);
}

void parse_templates(const json& doc, const std::string& file, DriveResult& r) {
  r.templates = member(doc, "templates", json::value_t::array, file, "");
  for (const auto& t : r.templates) {
    member(t, "name", json::value_t::string, file, "templates[]");
  }
}

void parse_sessions(const json& doc, const std::string& file, DriveResult& r) {
  const json& sessions = member(doc, "sessions", json::value_t::array, file, "");
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    UserId user = 0;
    SessionOutcome o;
    std::string error;
    if (!parse_session_outcome(sessions[i], r.templates.size(), user, o, error)) {
      throw InputError(file, 0, "sessions[" + std::to_string(i) + "]", error);
    }
    r.sessions.push_back(sessions[i]);
  }
}

void parse_run(const json& doc, const std::string& file, DriveResult& r) {
  const json& run = member(doc, "run", json::value_t::object, file, "");
  r.started = whole(member(run, "started", json::value_t::number_integer, file, "run"), file,
                    "run.started");
  r.played =
      whole(member(run, "played", json::value_t::number_integer, file, "run"), file, "run.played");
  r.dropped = whole(member(run, "dropped", json::value_t::number_integer, file, "run"), file,
                    "run.dropped");
  r.unstarted = whole(member(run, "unstarted", json::value_t::number_integer, file, "run"), file,
                      "run.unstarted");
  r.requests = static_cast<uint64_t>(whole(
      member(run, "requests", json::value_t::number_integer, file, "run"), file, "run.requests"));
  const json& wall = run.contains("wall_seconds") ? run["wall_seconds"] : json();
  if (!wall.is_number() || wall.get<double>() < 0) {
    throw InputError(file, 0, "run.wall_seconds", "expected seconds >= 0");
  }
  r.wall_seconds = wall.get<double>();
}

}  // namespace

json drive_shard_json(const DriveShard& s) {
  const DriveResult& r = s.result;
  json doc = {{"drive_shard", {{"index", s.shard.index}, {"count", s.shard.count}}},
              {"identity", s.identity},
              {"name", s.name},
              {"control", s.control},
              {"world", s.world},
              {"templates", r.templates}};
  doc["latency"] = json::object();
  for (const auto& [name, h] : r.latency) doc["latency"][name] = h.to_json();
  doc["metrics"] = json::object();
  for (const auto& [name, n] : r.metrics) doc["metrics"][name] = n;
  doc["run"] = {{"started", r.started},   {"played", r.played},
                {"dropped", r.dropped},   {"unstarted", r.unstarted},
                {"requests", r.requests}, {"wall_seconds", r.wall_seconds}};
  doc["sessions"] = r.sessions;
  return doc;
}

DriveShard parse_drive_shard(const json& doc, const std::string& file) {
  DriveShard s;
  const json& shard = member(doc, "drive_shard", json::value_t::object, file, "");
  s.shard.count = static_cast<int>(std::min<int64_t>(
      whole(member(shard, "count", json::value_t::number_integer, file, "drive_shard"), file,
            "drive_shard.count"),
      1 << 20));
  s.shard.index = static_cast<int>(std::min<int64_t>(
      whole(member(shard, "index", json::value_t::number_integer, file, "drive_shard"), file,
            "drive_shard.index"),
      1 << 20));
  if (s.shard.count < 1 || s.shard.index >= s.shard.count) {
    throw InputError(file, 0, "drive_shard", "expected 0 <= index < count");
  }
  s.identity = member(doc, "identity", json::value_t::string, file, "").get<std::string>();
  s.name = member(doc, "name", json::value_t::string, file, "").get<std::string>();
  if (s.name.empty() || s.name.find('/') != std::string::npos || s.name[0] == '.') {
    throw InputError(file, 0, "name", "expected a report file stem (no '/', not hidden)");
  }
  s.control = member(doc, "control", json::value_t::string, file, "").get<std::string>();
  s.world = member(doc, "world", json::value_t::string, file, "").get<std::string>();
  DriveResult& r = s.result;
  parse_templates(doc, file, r);
  for (const auto& [name, h] : member(doc, "latency", json::value_t::object, file, "").items()) {
    r.latency[name] = histogram(h, file, "latency." + name);
  }
  for (const auto& [name, n] : member(doc, "metrics", json::value_t::object, file, "").items()) {
    r.metrics[name] = whole(n, file, "metrics." + name);
  }
  parse_run(doc, file, r);
  parse_sessions(doc, file, r);
  return s;
}

std::string drive_shard_file_name(const std::string& name, const ShardSpec& shard) {
  return name + ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) +
         ".json";
}

bool is_drive_shard_file_name(const std::string& file_name) {
  static const std::regex kShard(R"(.+\.shard-[0-9]+-of-[0-9]+\.json)");
  return std::regex_match(file_name, kShard);
}

}  // namespace checkride
