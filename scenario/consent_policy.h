#pragma once
#include <string>

#include "recorder/transcript.h"

namespace checkride {

// An action catalog's consent policy, for the importers: with `consent:
// user_turn_before_call`, the most a charge-bearing call's params agree to pay (its mapped
// `max_total`, -1 when it maps none); empty for the default policy or the built-in catalog.
// Throws InputError like ActionCatalog::from_file.
TranscriptConverter::ChargeCeiling consent_ceiling(const std::string& catalog_path);
// The catalog's `amount_scale:` (1 for the built-in catalog), so an importer reads a tool
// result's dollar total as a quote.
int64_t catalog_amount_scale(const std::string& catalog_path);

}  // namespace checkride
