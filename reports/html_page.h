#pragma once
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace checkride::html {

// The pieces every HTML page is made of. A page is one self-contained file: inline CSS and
// SVG, no script, nothing fetched. Each figure it shows is an element with
// data-figure="/json/pointer" into the report it was made from, so a browser test can
// check that what is shown is what the report says.

std::string escape(const std::string& text);
// A JSON pointer token: "~" and "/" escaped (template names hold paths).
std::string pointer_token(const std::string& key);
// How reports print a number: integers plainly, anything else with four decimals.
std::string number(const nlohmann::json& value);
// <span data-figure="POINTER">value</span>
std::string figure(const std::string& pointer, const nlohmann::json& value);

// The value at `key` when `j` is an object holding it, else null: rendering never throws
// on a report of the wrong shape, it leaves out what is missing.
const nlohmann::json& at(const nlohmann::json& j, const std::string& key);
double as_number(const nlohmann::json& j);
// A number as virtual ms, clamped to +-10^15 (a window a report could hold), 0 if none.
int64_t as_time(const nlohmann::json& j);

class Page {
 public:
  explicit Page(const std::string& title);
  std::ostringstream& body() { return body_; }
  void section(const std::string& heading) { body_ << "<h2>" << escape(heading) << "</h2>\n"; }
  std::string finish();

 private:
  std::string title_;
  std::ostringstream body_;
};

struct Bar {
  std::string label;
  double value = 0;
  std::string pointer;  // the figure's place in the report ("" for a derived value)
};
// Horizontal bars, longest first as given, each labelled with its figure.
std::string bar_chart(const std::vector<Bar>& bars, const std::string& unit);
// A latency histogram: the report's [bucket low, count] pairs, bars on a log axis.
std::string histogram_chart(const nlohmann::json& buckets);

struct Window {
  int64_t from = 0;
  int64_t to = -1;  // < 0: to the end
  std::string label;
};
// Two lines over virtual time: orders confirmed per second (throughput) and the share of
// charge-bearing answers that confirmed (completion); fault windows shaded.
std::string timeline_chart(const nlohmann::json& timeline, const std::vector<Window>& windows);

}  // namespace checkride::html
