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
  std::vector<std::size_t> cases(suites.size(), 0);
  for (std::size_t i = 0; i < suites.size(); ++i) {
    const Report& r = *suites[i].report;
    for (const auto& g : r.gates) failed[i] += g.passed ? 0 : 1;
    // A run that exercised nothing is its own failing testcase, so a CI test tab is not green.
    const bool empty = !r.no_evidence.empty();
    failed[i] += empty && !r.allow_empty;
    cases[i] = r.gates.size() + (empty ? 1 : 0);
    tests += cases[i];
    failures += failed[i];
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<testsuites name=\"checkride\" tests=\"" << tests << "\" failures=\"" << failures
    << "\" errors=\"0\">\n";
  for (std::size_t i = 0; i < suites.size(); ++i) {
    const Report& r = *suites[i].report;
    x << "  <testsuite name=\"" << xml_escape(suites[i].name) << "\" id=\"" << i << "\" tests=\""
      << cases[i] << "\" failures=\"" << failed[i] << "\" errors=\"0\" skipped=\"0\">\n"
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
    if (!r.no_evidence.empty()) {
      x << "    <testcase classname=\"checkride." << xml_escape(r.scenario)
        << "\" name=\"evidence\"";
      if (r.allow_empty) {
        x << "/>\n";
      } else {
        x << ">\n      <failure type=\"no_evidence\" message=\"NO EVIDENCE: "
          << xml_escape(r.no_evidence) << "\">" << xml_escape(r.no_evidence)
          << "</failure>\n    </testcase>\n";
      }
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  return x.str();
}

}  // namespace checkride
