#pragma once
#include <cstdint>
#include <string>

namespace checkride {

// The amount an assistant's text states for the user to agree to, in cents: "$1,234.56",
// "USD 80", "80.00 dollars". The amount after the word "total" when there is one, else the
// largest stated (a summary lists the parts, then the sum). -1 when the text names none.
int64_t stated_amount_cents(const std::string& text);

}  // namespace checkride
