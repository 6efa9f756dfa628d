// The recording proxy's SSE assembler on arbitrary bytes, split at an input-chosen point.
#include <cstdint>
#include <string_view>

#include "recorder/stream_assembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = size > 1 ? data[0] % size : 0;
  checkride::StreamAssembler assembler;
  assembler.feed(bytes.substr(0, std::min(split, bytes.size())));
  assembler.feed(bytes.substr(std::min(split, bytes.size())));
  assembler.message().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
