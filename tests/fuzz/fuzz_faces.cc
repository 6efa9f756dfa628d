// The fakes' HTTP faces (payments, identity, catalog, bookings, LLM) on arbitrary requests:
// the first byte picks the face, the second the method, then the path up to a newline, then
// the body. No input may make a face answer 500 or stop answering. The Debian cpp-httplib
// offers no way to dispatch a request without a socket, so this goes over loopback to one
// set of servers started once.
#include <httplib.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "orchestrator/action_catalog.h"
#include "simulator/scenario.h"
#include "simulator/simulation.h"
#include "wire/fakes/fake_servers.h"

namespace {

struct Faces {
  std::unique_ptr<checkride::FakeServers> servers;
  std::unique_ptr<httplib::Client> clients[5];
};

Faces& faces() {
  static Faces f = [] {
    Faces out;
    checkride::Scenario scenario = checkride::load_scenario(std::string(CHECKRIDE_SOURCE_DIR) +
                                                            "/scenarios/happy-orders.yaml");
    auto templates =
        checkride::compile_templates(scenario, checkride::ActionCatalog::default_catalog());
    checkride::FakeServeOptions o;
    o.payments_port = o.identity_port = o.catalog_port = o.bookings_port = o.llm_port =
        o.control_port = 0;
    o.clients = checkride::default_oauth_clients();
    out.servers =
        std::make_unique<checkride::FakeServers>(scenario, templates, checkride::Cassette{}, o);
    out.servers->start();
    const char* names[] = {"payments", "identity", "catalog", "bookings", "llm"};
    for (int i = 0; i < 5; ++i) {
      out.clients[i] = std::make_unique<httplib::Client>(out.servers->url(names[i]));
      out.clients[i]->set_read_timeout(5, 0);
      out.clients[i]->set_keep_alive(true);
      out.clients[i]->set_tcp_nodelay(true);  // else delayed ACKs cost ~40 ms a request
    }
    return out;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  Faces& f = faces();
  httplib::Client& c = *f.clients[data[0] % 5];
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t nl = rest.find('\n');
  std::string path = "/" + rest.substr(0, nl == std::string::npos ? rest.size() : nl);
  std::string body = nl == std::string::npos ? "" : rest.substr(nl + 1);
  for (char& ch : path) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) ch = '_';  // a request line
  }
  httplib::Headers headers = {{"Authorization", "Bearer sk_test_fuzz"}};
  const char* type = data[1] & 4 ? "application/json" : "application/x-www-form-urlencoded";
  httplib::Result r = data[1] % 3 == 0   ? c.Get(path, headers)
                      : data[1] % 3 == 1 ? c.Post(path, headers, body, type)
                                         : c.Delete(path, headers, body, type);
  if (r && r->status >= 500 && r->status != 503) std::abort();  // input reached a 5xx
  return 0;
}
