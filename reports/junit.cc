#include "reports/junit.h"

#include <sstream>

namespace checkride {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters even escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t' || c == '\r') {
          out += c;
        }
    }
  }
  return out;
}

std::string junit_xml(const std::vector<JUnitSuite>& suites) {
  std::vector<std::size_t> failed(suites.size(), 0);
  std::size_t tests = 0, failures = 0;
  for (std::size_t i = 0; i < suites.size(); ++i) {
    for (const auto& g : suites[i].report->gates) failed[i] += g.passed ? 0 : 1;
    tests += suites[i].report->gates.size();
    failures += failed[i];
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<testsuites name=\"checkride\" tests=\"" << tests << "\" failures=\"" << failures
    << "\" errors=\"0\">\n";
  for (std::size_t i = 0; i < suites.size(); ++i) {
    const Report& r = *suites[i].report;
    x << "  <testsuite name=\"" << xml_escape(suites[i].name) << "\" id=\"" << i << "\" tests=\""
      << r.gates.size() << "\" failures=\"" << failed[i] << "\" errors=\"0\" skipped=\"0\">\n"
      << "    <properties>\n"
      << "      <property name=\"seed\" value=\"" << r.seed << "\"/>\n"
      << "      <property name=\"fingerprint\" value=\"" << fingerprint_hex(r.fingerprint)
      << "\"/>\n"
      << "    </properties>\n";
    for (const auto& g : r.gates) {
      std::string name = g.gate.metric + " " + g.gate.text;
      x << "    <testcase classname=\"checkride." << xml_escape(r.scenario) << "\" name=\""
        << xml_escape(name) << "\"";
      if (g.passed) {
        x << "/>\n";
        continue;
      }
      std::string actual = g.known ? std::to_string(g.actual) : "no such metric";
      x << ">\n      <failure type=\"gate\" message=\""
        << xml_escape(name + " failed: actual " + actual) << "\">"
        << xml_escape("expected " + g.gate.metric + " " + g.gate.text + ", got " + actual)
        << "</failure>\n    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return x.str();
}

}  // namespace checkride
