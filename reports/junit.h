#pragma once
#include <string>
#include <vector>

#include "reports/report.h"

namespace checkride {

// JUnit XML for CI test tabs: one <testsuite> per report (scenario, or scenario and seed in
// a sweep) and one <testcase> per `expect:` gate; a breached gate is a <failure> whose
// message says expected and actual. Follows the common (Jenkins) JUnit schema.
struct JUnitSuite {
  std::string name;  // "flash-sale-surge" or "flash-sale-surge seed=7"
  const Report* report;
};
std::string junit_xml(const std::vector<JUnitSuite>& suites);

std::string xml_escape(const std::string& text);

}  // namespace checkride
