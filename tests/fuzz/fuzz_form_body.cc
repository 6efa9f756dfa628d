// The Stripe form-body decoder: parse, then encode what parsed and parse that again (an
// encoding may legitimately read back differently, e.g. a[]= as a list: no crash is the bar).
#include <cstdint>
#include <string>

#include "protocol/form_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  nlohmann::json form;
  std::string error;
  if (!checkride::parse_form(body, form, error)) return 0;
  nlohmann::json again;
  if (!form.is_null()) checkride::parse_form(checkride::encode_form(form), again, error);
  return 0;
}
