#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "wire/fakes/fake_servers.h"

namespace checkride {

struct ServeFakesOptions {
  std::string scenario;   // empty: the default world (no SKUs, no offers)
  std::string cassette;   // the scripted LLM's script; default: the scenario's first cassette
  std::string urls_file;  // where to write {"payments": URL, ...} once listening
  std::vector<std::string> webhooks;  // --webhook URLs
  FakeServeOptions serve;
};

// `checkride serve fakes`: serves until SIGINT or SIGTERM. 2 on bad input (scenario,
// cassette, a port that cannot be bound, a public bind without a control token).
int run_serve_fakes(const ServeFakesOptions& options, std::ostream& out, std::ostream& err);

}  // namespace checkride
