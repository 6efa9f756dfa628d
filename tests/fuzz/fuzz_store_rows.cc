// The orchestrator store's row decoding over any text: a corrupt or hand-edited row is a
// std::runtime_error the store names by table and row, never a crash, and a saga that does
// decode encodes back to a row that decodes to the same record.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "wire/orchestrator/saga_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    checkride::SagaRecord s = checkride::decode_saga_row(text);
    const std::string again = checkride::saga_to_json(s).dump();
    if (checkride::saga_to_json(checkride::decode_saga_row(again)).dump() != again) {
      __builtin_trap();
    }
  } catch (const std::runtime_error&) {
  }
  try {
    checkride::decode_grant_row(text);
  } catch (const std::runtime_error&) {
  }
  try {
    checkride::decode_consents_row(text);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
