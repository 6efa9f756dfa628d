#pragma once
#include <nlohmann/json.hpp>

#include "orchestrator/saga.h"
#include "orchestrator/store.h"

namespace checkride {

// The durable store's row formats. Every field of a record round-trips: recover() resumes
// from exactly what was saved.
nlohmann::json saga_to_json(const SagaRecord& s);
SagaRecord saga_from_json(const nlohmann::json& j);
nlohmann::json grant_to_json(const SessionGrant& g);
SessionGrant grant_from_json(const nlohmann::json& j);

}  // namespace checkride
