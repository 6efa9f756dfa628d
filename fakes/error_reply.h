#pragma once
#include <string_view>

#include "protocol/provider.h"

namespace checkride {

// A provider's refusal: the error, and its own status word when it has one (a static
// literal, as ProviderReply::status requires).
inline ProviderReply error_reply(ErrorCode e, std::string_view status = {}) {
  ProviderReply r;
  r.error = e;
  r.status = status;
  return r;
}

}  // namespace checkride
