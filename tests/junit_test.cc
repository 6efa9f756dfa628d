// `checkride run --junit`: one testcase per gate, failures carry expected and actual, and
// the file validates against the common JUnit schema (tests/junit.xsd, with xmllint).
#include "reports/junit.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(JUnit, OneTestcasePerGateAndAFailureForEachBreachedGate) {
  auto dir = testing::temp_dir("junit");
  RunOptions o;
  o.paths = {testing::source_path("scenarios/model-repeats-itself.yaml")};
  o.defects = {"no_semantic_dedupe"};
  o.out_dir = dir;
  o.junit_file = dir + "/junit.xml";
  o.quiet = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 1) << err.str();
  std::string xml = slurp(o.junit_file);
  EXPECT_NE(xml.find("<testsuite name=\"model-repeats-itself\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"duplicate_charges 0\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure type=\"gate\" message=\"duplicate_charges 0 failed: actual"),
            std::string::npos)
      << xml;
  int rc = std::system(("xmllint --noout --schema " + testing::source_path("tests/junit.xsd") +
                        " " + o.junit_file + " 2>" + dir + "/xmllint.txt")
                           .c_str());
  EXPECT_EQ(rc, 0) << slurp(dir + "/xmllint.txt");
}

TEST(JUnit, EscapesWhatXmlCannotHoldVerbatim) {
  Report r;
  r.scenario = "a<b>&\"c\"";
  r.gates.push_back(GateResult{Gate{"p99_session_ms", "<=", 10, "<= 10"}, 12, false, true});
  std::string xml = junit_xml({JUnitSuite{r.scenario, &r}});
  EXPECT_NE(xml.find("name=\"a&lt;b&gt;&amp;&quot;c&quot;\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"p99_session_ms &lt;= 10\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("tests=\"1\" failures=\"1\""), std::string::npos) << xml;
}

}  // namespace
}  // namespace checkride
