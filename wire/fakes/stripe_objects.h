#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/provider.h"
#include "wire/fakes/fake_state.h"
#include "wire/fakes/wire_call.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace checkride {

// Stripe's objects rendered from the payments ledger and what the wire keeps beside it
// (FakeState::intent_extras, refunds). One charge per intent: "ch_<n>" is intent n's.
nlohmann::json intent_json(FakeState& state, ObjectId id);
// nullptr when the intent never reached a card (no charge exists yet).
bool has_charge(FakeState& state, ObjectId intent);
nlohmann::json charge_json(FakeState& state, ObjectId intent);
nlohmann::json refund_json(FakeState& state, uint64_t refund);

// Replaces the ids at `paths` (expand[]: "latest_charge", "payment_intent", "charge", or
// "data.<field>" on a list) by the objects they name. False with a 400 for a path that
// cannot be expanded, as Stripe answers.
bool apply_expand(FakeState& state, nlohmann::json& object, const std::vector<std::string>& paths,
                  WireAnswer& error);
// A GET's 200: `object` (or list) expanded by the query's expand[] and sent; or the 400 for
// a path that cannot be expanded.
void send_expanded(FakeState& state, const httplib::Request& req, httplib::Response& res,
                   nlohmann::json object);
// A GET of a list: the page the query's limit, starting_after and ending_before ask for of
// `ids` (newest first), each rendered and expanded; or the 400 for a bad page or a cursor
// naming nothing `exists` knows.
void send_list(FakeState& state, const httplib::Request& req, httplib::Response& res,
               const std::vector<std::string>& ids, const std::string& url, const char* kind,
               const std::function<bool(const std::string&)>& exists,
               const std::function<nlohmann::json(const std::string&)>& render);

}  // namespace checkride
