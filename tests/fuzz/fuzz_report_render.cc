// `report render` reads report JSON from anywhere: on arbitrary bytes, an InputError (not a
// report) or a whole page, with no markup from the input.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/input_error.h"
#include "protocol/json_input.h"
#include "reports/html_render.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j = checkride::parse_json_or_discarded(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (j.is_discarded()) return 0;
  try {
    std::string page = checkride::render_html(j, j.is_object() ? &j : nullptr, "fuzz");
    if (page.find("</html>") == std::string::npos) __builtin_trap();
    if (page.find("<script") != std::string::npos) __builtin_trap();  // input became markup
  } catch (const checkride::InputError&) {
  }
  return 0;
}
