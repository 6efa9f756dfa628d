// The run over virtual time: throughput and completion per bucket, fault windows shaded.
#include <algorithm>

#include "reports/html_page.h"

namespace checkride::html {
namespace {

constexpr int kWidth = 820, kHeight = 220, kLeft = 50, kRight = 50, kTop = 10, kBottom = 28;

std::vector<double> series(const nlohmann::json& timeline, const std::string& name) {
  std::vector<double> out;
  const nlohmann::json& s = at(timeline, name);
  if (!s.is_array()) return out;
  for (const auto& v : s) out.push_back(as_number(v));
  return out;
}

std::string polyline(const std::vector<double>& ys, double top, const char* colour, double dx) {
  std::ostringstream s;
  s << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
  const double plot_h = kHeight - kTop - kBottom;
  for (std::size_t i = 0; i < ys.size(); ++i) {
    if (ys[i] < 0) continue;  // no answer in this bucket: no completion to show
    s << kLeft + (i + 0.5) * dx << "," << kTop + plot_h - (top > 0 ? ys[i] / top : 0) * plot_h
      << " ";
  }
  s << "\"/>";
  return s.str();
}

}  // namespace

std::string timeline_chart(const nlohmann::json& timeline, const std::vector<Window>& windows) {
  std::vector<double> confirmed = series(timeline, "confirmed");
  std::vector<double> refused = series(timeline, "refused");
  double bucket_ms = std::max(1.0, as_number(at(timeline, "bucket_ms")));
  if (confirmed.empty()) return "<p class=\"muted\">no timeline in this report</p>\n";
  refused.resize(confirmed.size(), 0);
  const std::size_t n = std::min<std::size_t>(confirmed.size(), 10000);
  confirmed.resize(n);
  std::vector<double> per_second(n), completion(n);
  double top = 0;
  for (std::size_t i = 0; i < n; ++i) {
    per_second[i] = confirmed[i] / (bucket_ms / 1000.0);
    top = std::max(top, per_second[i]);
    double answered = confirmed[i] + refused[i];
    completion[i] = answered > 0 ? confirmed[i] / answered : -1;
  }
  const double span_ms = bucket_ms * static_cast<double>(n);
  const double dx = static_cast<double>(kWidth - kLeft - kRight) / static_cast<double>(n);
  const double plot_h = kHeight - kTop - kBottom;
  std::ostringstream s;
  s << "<svg class=\"chart\" id=\"timeline\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" role=\"img\">\n";
  for (const Window& w : windows) {
    double from = std::clamp(static_cast<double>(w.from), 0.0, span_ms);
    double to = w.to < 0 ? span_ms : std::clamp(static_cast<double>(w.to), 0.0, span_ms);
    if (to <= from) continue;
    double x = kLeft + from / span_ms * (kWidth - kLeft - kRight);
    double width = (to - from) / span_ms * (kWidth - kLeft - kRight);
    s << "<rect class=\"fault-window\" x=\"" << x << "\" y=\"" << kTop << "\" width=\""
      << std::max(1.0, width) << "\" height=\"" << plot_h
      << "\" fill=\"#f2b8b8\" fill-opacity=\"0.45\"><title>" << escape(w.label)
      << "</title></rect>\n";
  }
  s << "<line x1=\"" << kLeft << "\" y1=\"" << kTop + plot_h << "\" x2=\"" << kWidth - kRight
    << "\" y2=\"" << kTop + plot_h << "\" stroke=\"#999\"/>\n"
    << polyline(per_second, top, "#4a72b8", dx) << "\n"
    << polyline(completion, 1.0, "#1f8a4c", dx) << "\n"
    << "<text x=\"4\" y=\"" << kTop + 10 << "\" fill=\"#4a72b8\">" << escape(number(top))
    << "/s</text><text x=\"" << kWidth - 4 << "\" y=\"" << kTop + 10
    << "\" text-anchor=\"end\" fill=\"#1f8a4c\">100%</text>"
    << "<text x=\"" << kLeft << "\" y=\"" << kHeight - 8 << "\">0 s</text><text x=\""
    << kWidth - kRight << "\" y=\"" << kHeight - 8 << "\" text-anchor=\"end\">"
    << escape(number(span_ms / 1000.0)) << " s (virtual)</text>\n</svg>\n"
    << "<p class=\"muted\"><span style=\"color:#4a72b8\">■</span> orders confirmed per second "
       "· <span style=\"color:#1f8a4c\">■</span> completion (confirmed share of charge-bearing "
       "answers) · <span style=\"color:#e59a9a\">■</span> fault windows</p>\n";
  return s.str();
}

}  // namespace checkride::html
