#include "reports/html_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "protocol/json_input.h"
#include "reports/junit.h"

namespace checkride::html {
namespace {

constexpr const char* kStyle = R"css(
body { font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #1d2330; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px;
     border-bottom: 1px solid #dde2ea; padding-bottom: 4px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff;
           font-weight: bold; } .PASS { background: #1f8a4c; } .FAIL { background: #c62f2f; }
.NO_EVIDENCE { background: #8a6d1f; }
table { border-collapse: collapse; margin: 6px 0; } td, th { padding: 3px 10px;
        border-bottom: 1px solid #eef0f4; text-align: left; vertical-align: top; }
th { background: #f5f7fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1f8a4c; } .bad { color: #c62f2f; font-weight: bold; } .muted { color: #6b7380; }
code, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.seeds { display: flex; flex-wrap: wrap; gap: 3px; } .seed { width: 34px; text-align: center;
         border-radius: 3px; color: #fff; font-size: 11px; padding: 2px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; } .chart { margin: 4px 0; }
svg text { font: 11px "DejaVu Sans", sans-serif; fill: #1d2330; }
ul.trace { margin: 2px 0 10px; } ul.trace li { font-family: "DejaVu Sans Mono", monospace;
           font-size: 12px; }
)css";

}  // namespace

std::string escape(const std::string& text) { return xml_escape(text); }

std::string pointer_token(const std::string& key) { return json_pointer_token(key); }

std::string number(const nlohmann::json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (!value.is_number()) return value.is_string() ? value.get<std::string>() : "—";
  double v = value.get<double>();
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

std::string figure(const std::string& pointer, const nlohmann::json& value) {
  return "<span data-figure=\"" + escape(pointer) + "\">" + escape(number(value)) + "</span>";
}

const nlohmann::json& at(const nlohmann::json& j, const std::string& key) {
  static const nlohmann::json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

double as_number(const nlohmann::json& j) {
  if (!j.is_number()) return 0;
  double v = j.get<double>();
  return std::isfinite(v) ? v : 0;
}

int64_t as_time(const nlohmann::json& j) {
  return static_cast<int64_t>(std::clamp(as_number(j), -1e15, 1e15));
}

Page::Page(const std::string& title) : title_(title) {}

std::string Page::finish() {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<link rel=\"icon\" href=\"data:,\">\n<title>" +
         escape(title_) + "</title>\n<style>" + kStyle + "</style></head>\n<body>\n" + body_.str() +
         "</body></html>\n";
}

std::string bar_chart(const std::vector<Bar>& bars, const std::string& unit) {
  if (bars.empty()) return "<p class=\"muted\">none</p>\n";
  double top = 0;
  for (const auto& b : bars) top = std::max(top, b.value);
  const int row = 20, label_w = 300, bar_w = 420;
  std::ostringstream s;
  s << "<svg class=\"chart\" width=\"" << label_w + bar_w + 240 << "\" height=\""
    << row * bars.size() + 6 << "\" role=\"img\">\n";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    double w = top > 0 ? bars[i].value / top * bar_w : 0;
    int y = static_cast<int>(i) * row + 3;
    s << "<text x=\"" << label_w - 6 << "\" y=\"" << y + 13 << "\" text-anchor=\"end\">"
      << escape(bars[i].label) << "</text><rect x=\"" << label_w << "\" y=\"" << y << "\" width=\""
      << std::max(1.0, w) << "\" height=\"" << row - 6 << "\" fill=\"#4a72b8\"/><text x=\""
      << label_w + w + 6 << "\" y=\"" << y + 13 << "\">";
    if (bars[i].pointer.empty())
      s << escape(number(bars[i].value));
    else
      s << "<tspan data-figure=\"" << escape(bars[i].pointer) << "\">"
        << escape(number(bars[i].value)) << "</tspan>";
    s << " " << escape(unit) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::string histogram_chart(const nlohmann::json& buckets) {
  if (!buckets.is_array() || buckets.empty()) return "";
  const int w = 320, h = 90, n = static_cast<int>(std::min<std::size_t>(buckets.size(), 400));
  double top = 0;
  for (int i = 0; i < n; ++i) {
    if (buckets[i].is_array() && buckets[i].size() == 2)
      top = std::max(top, as_number(buckets[i][1]));
  }
  std::ostringstream s;
  s << "<svg class=\"chart\" width=\"" << w << "\" height=\"" << h + 16 << "\" role=\"img\">";
  double bw = static_cast<double>(w) / n;
  for (int i = 0; i < n; ++i) {
    if (!buckets[i].is_array() || buckets[i].size() != 2) continue;
    double count = as_number(buckets[i][1]);
    double bh = top > 0 ? count / top * h : 0;
    s << "<rect x=\"" << i * bw << "\" y=\"" << h - bh << "\" width=\"" << std::max(1.0, bw - 1)
      << "\" height=\"" << bh << "\" fill=\"#6a8fd0\"><title>from " << escape(number(buckets[i][0]))
      << " ms: " << escape(number(buckets[i][1])) << "</title></rect>";
  }
  auto low = [&](int i) {
    return buckets[i].is_array() && !buckets[i].empty() ? number(buckets[i][0]) : "?";
  };
  s << "<text x=\"0\" y=\"" << h + 13 << "\">" << escape(low(0)) << " ms</text><text x=\"" << w
    << "\" y=\"" << h + 13 << "\" text-anchor=\"end\">" << escape(low(n - 1)) << " ms</text></svg>";
  return s.str();
}

}  // namespace checkride::html
