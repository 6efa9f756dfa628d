#pragma once
#include <string_view>

namespace checkride {

// Valid UTF-8 with no NUL byte: what every text field from outside must be before it is
// stored, hashed or written back as JSON (which cannot hold anything else).
bool clean_text(std::string_view text);

}  // namespace checkride
