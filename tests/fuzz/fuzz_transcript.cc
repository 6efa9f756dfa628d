// The OpenAI transcript importer's conversion: each line a message (or an array of them),
// fed to one converter as a conversation; every event it writes must be valid JSON.
#include <cstdint>
#include <sstream>
#include <string>

#include "protocol/json_input.h"
#include "recorder/transcript.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  checkride::TranscriptConverter converter({"searchCatalog", "previewOrder", "placeOrder"});
  std::vector<checkride::CassetteEvent> events;
  std::string line, error;
  while (std::getline(in, line)) {
    nlohmann::json parsed = checkride::parse_json_or_discarded(line);
    if (parsed.is_discarded()) continue;
    if (!parsed.is_array()) parsed = nlohmann::json::array({parsed});
    for (const auto& message : parsed) converter.add_message(message, events, error);
  }
  for (const auto& ev : events) ev.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
