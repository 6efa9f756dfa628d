// A world file's text loaded as validate loads it, for the tests of what a world may state.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "fakes/world.h"
#include "protocol/input_error.h"
#include "scenario/scenario.h"
#include "tests/conversation_builder.h"

namespace checkride::testing {

// The world `text` states, checked whole (its bookings and orders against its catalog).
inline Scenario load_world_text(const std::string& text) {
  Scenario s = default_scenario();
  load_world_file(s, write_temp(temp_dir("world-text"), "w.yaml", text));
  check_existing_bookings(s);
  return s;
}

// `text` is refused, and the error names `field`.
inline void expect_world_refused(const std::string& text, const std::string& field) {
  try {
    load_world_text(text);
    ADD_FAILURE() << "accepted a world with a bad " << field << ":\n" << text;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
  }
}

// `w` furnished from the world `text` states, with what its user "u" holds seeded as user 1.
inline void seed_world_text(World& w, const std::string& text) {
  Scenario s = load_world_text(text);
  furnish_world(w, s);
  w.seed_existing(1, "u", s.existing, 0);
}

}  // namespace checkride::testing
