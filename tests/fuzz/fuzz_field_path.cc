// A user's field path (--messages-field, --user-id-field, --session-id-field: a key, a dotted
// path or a JSON pointer) over any document: the first line is the path, the rest the JSON.
// It never crashes, and a path field_path_problem accepts finds the same field twice.
#include <cstdint>
#include <string>

#include "protocol/json_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = text.find('\n');
  const std::string path = text.substr(0, nl);
  const nlohmann::json doc = checkride::parse_json_or_discarded(
      nl == std::string::npos ? std::string_view() : std::string_view(text).substr(nl + 1));
  (void)checkride::field_path_problem(path);
  if (doc.is_discarded()) return 0;
  if (checkride::field_at(doc, path) != checkride::field_at(doc, path)) __builtin_trap();
  return 0;
}
