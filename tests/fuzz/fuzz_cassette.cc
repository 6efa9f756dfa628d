// The cassette parser on arbitrary JSONL: an InputError naming the line, or a cassette.
#include <cstdint>
#include <string>

#include "protocol/cassette.h"
#include "protocol/input_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    checkride::parse_cassette(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const checkride::InputError&) {
  }
  return 0;
}
