#pragma once
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "orchestrator/saga.h"
#include "orchestrator/store.h"

namespace checkride {

// The durable store's row formats. Every field of a record round-trips: recover() resumes
// from exactly what was saved.
nlohmann::json saga_to_json(const SagaRecord& s);
SagaRecord saga_from_json(const nlohmann::json& j);
nlohmann::json grant_to_json(const SessionGrant& g);
SessionGrant grant_from_json(const nlohmann::json& j);

// A stored row's text decoded. Whatever is wrong with it (not JSON, a field missing or of
// another type, an enum past its end) is a std::runtime_error saying what, never anything
// else: the store names the table and row around it.
SagaRecord decode_saga_row(std::string_view text);
SessionGrant decode_grant_row(std::string_view text);
std::vector<ConsentRecord> decode_consents_row(std::string_view text);

}  // namespace checkride
