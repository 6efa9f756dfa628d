#pragma once
// The scenario loader's sections, one file each: world (and world files), orchestrator
// settings, workload, faults, and --set overrides. Each reads its part of the top-level
// mapping into the Scenario, or throws InputError naming the file, line and field.
#include <yaml-cpp/yaml.h>

#include <string>

#include "scenario/scenario.h"
#include "scenario/yaml_reader.h"

namespace checkride {

// world: catalog files, coupons, latency, token TTL, stock and capacity overrides.
void parse_world(Scenario& s, MapReader& top);
// `order_rules:` or `booking_rules:` (docs/worlds.md) into `rules`, over what it holds.
void load_object_rules(ObjectRules& rules, const YAML::Node& node, const std::string& path,
                       const std::string& field, bool orders);
// payment_methods: [{id, user, kind, brand, last4, behaves_as}], each user's own.
void load_payment_methods(Scenario& s, const YAML::Node& list, const std::string& path);
// instrument_rules: [{prefix, pays_for}], what stored value may pay for.
void load_instrument_rules(Scenario& s, const YAML::Node& list, const std::string& path);
// A seeded booking's or order's `paid_card`: a method of the world's that its user holds.
void check_paid_card(const Scenario& s, const std::string& card, const std::string& user,
                     const std::string& origin, int line, const std::string& field);
// extras: [{id, price_cents, per, refundable, free: [{cabin, fare_class, membership,
// min_value_cents, units}]}], sold on bookings.
void load_extras(Scenario& s, const YAML::Node& list, const std::string& path);
// memberships: [{user, tier}], which extras' allowances read.
void load_memberships(Scenario& s, const YAML::Node& list, const std::string& path);
// A seeded booking's `extras: {ID: N}`.
ExtraUnits load_extra_units(MapReader& m, const std::string& key);
// What a seeded booking's extras and taxes cost at the world's prices (0: none).
int64_t seeded_extras_and_taxes(const Scenario& s, const ExistingBooking& b);
// The same for an order's `extras:` and taxes, priced on what its items were paid, `items`.
int64_t seeded_order_extras_and_taxes(const Scenario& s, const ExistingOrder& o, int64_t items);
// taxes: [{id, on, rate | amount_cents, per, of, refundable}].
void load_taxes(Scenario& s, const YAML::Node& list, const std::string& path);
// Rates levied on extras the world does not sell on their kind.
void check_taxes(const Scenario& s);
// The taxes on a seeded booking or order at the world's prices, for `buyer` (its fares or
// items in `value`).
int64_t seeded_booking_taxes(const Scenario& s, const ExistingBooking& b, const ExtraBuyer& buyer);
int64_t seeded_order_taxes(const Scenario& s, const ExistingOrder& o, const ExtraBuyer& buyer);
// A world's calendar instant (`now:`, an offer's `departs_at`), seconds since 1970; 0 absent.
int64_t calendar_time(MapReader& m, const std::string& key);
// Time limits (before departure, after delivery) that could never apply.
void check_time_limits(const Scenario& s);
// Allowances that could never hold, and seeded extras the world does not sell.
void check_extras(const Scenario& s);
// oauth_clients: [{id, secret, redirect_uris: [...]}].
void load_oauth_clients(Scenario& s, const YAML::Node& list, const std::string& path);
// orchestrator: actions, policy, retries, TTLs, defects.
void parse_orchestrator(Scenario& s, MapReader& top);
// workload: sessions, arrival, mix, agent, three_d_secure, drain.
void parse_workload(Scenario& s, MapReader& top);
// One fault rule, `faults[index]` in `file`.
FaultRule parse_fault(const YAML::Node& n, const std::string& file, int index);
// One --set key.path=value, written into the document before it is read.
void apply_override(YAML::Node root, const std::string& assignment);

}  // namespace checkride
