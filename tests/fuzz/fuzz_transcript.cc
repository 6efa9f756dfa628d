// The OpenAI transcript importer's conversion: each line a message (or an array of them),
// fed to one converter as a conversation (with the turn-before-the-call consent policy on);
// every event it writes must be valid JSON.
#include <cstdint>
#include <sstream>
#include <string>

#include "protocol/json_input.h"
#include "recorder/transcript.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  checkride::TranscriptConverter converter({"searchCatalog", "previewOrder", "placeOrder"});
  // The catalog consent policy "the user's turn before the call", as the importer wires it.
  converter.consent_from_turn_before_call([](const std::string& tool, const nlohmann::json& p) {
    return tool == "placeOrder" && p.contains("max_total_cents") &&
                   p["max_total_cents"].is_number_integer()
               ? p["max_total_cents"].get<int64_t>()
               : int64_t{-1};
  });
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
