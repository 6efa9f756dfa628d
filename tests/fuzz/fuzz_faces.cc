// Every HTTP face on arbitrary requests, called in process without a socket: the fakes'
// payments, identity, catalog, bookings, scripted LLM and control API, and the orchestrator
// service. The first byte picks the face; the second the method, the content type, whether
// the orchestrator request is signed and whether the rest goes out as raw bytes (request
// line and headers included). Otherwise the rest is the path up to a newline, then the body.
// No input may make a face answer a 5xx it does not mean (503 and the service's 504
// still_running are answers) or answer nothing at all to a well-formed request.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "in_process_http.h"
#include "orchestrator/action_catalog.h"
#include "protocol/action_signature.h"
#include "scenario/scenario.h"
#include "simulator/simulation.h"
#include "wire/fakes/face_guard.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/fake_servers.h"
#include "wire/orchestrator/orchestrator_service.h"

namespace {

using checkride::InProcessHttpServer;

constexpr const char* kSecret = "fuzz-secret-0123456789";
constexpr int kFaces = 7;
constexpr uint64_t kRenewEvery = 4096;  // bounds the state that accepted requests build up

std::unique_ptr<checkride::FakeState> make_state() {
  checkride::Scenario scenario =
      checkride::load_scenario(std::string(CHECKRIDE_SOURCE_DIR) + "/scenarios/happy-orders.yaml");
  auto templates =
      checkride::compile_templates(scenario, checkride::ActionCatalog::default_catalog());
  return std::make_unique<checkride::FakeState>(scenario, templates,
                                                checkride::default_oauth_clients());
}

struct Faces {
  // The control API gets its own state, so the faults it adds never put a face to sleep.
  std::unique_ptr<checkride::FakeState> state, control_state;
  std::unique_ptr<checkride::OrchestratorService> service;
  std::unique_ptr<InProcessHttpServer> servers[kFaces];
  checkride::Cassette script;  // the LLM face plays it by reference
  uint64_t inputs = 0;

  void renew() {
    service.reset();
    for (auto& s : servers) s = std::make_unique<InProcessHttpServer>();
    state = make_state();
    control_state = make_state();
    using checkride::ErrorStyle;
    checkride::guard_face(*servers[0], ErrorStyle::kStripe);
    checkride::mount_stripe_payments(*servers[0], *state);
    checkride::mount_stored_value(*servers[0], *state);
    checkride::guard_face(*servers[1], ErrorStyle::kOAuth);
    checkride::mount_oauth_identity(*servers[1], *state, "http://127.0.0.1:12112");
    checkride::guard_face(*servers[2], ErrorStyle::kJson);
    checkride::mount_catalog(*servers[2], *state);
    checkride::guard_face(*servers[3], ErrorStyle::kJson);
    checkride::mount_bookings(*servers[3], *state);
    checkride::guard_face(*servers[4], ErrorStyle::kJson);
    checkride::mount_scripted_llm(*servers[4], *state, script);
    checkride::guard_face(*servers[5], ErrorStyle::kJson);
    checkride::mount_control(*servers[5], *control_state, "");
    checkride::ServiceOptions o;
    o.store_path = ":memory:";
    o.secret = kSecret;
    o.action_timeout = 1;  // no worker performs provider calls here
    service = std::make_unique<checkride::OrchestratorService>(
        checkride::ActionCatalog::default_catalog(), o);
    service->mount(*servers[6]);
  }
};

Faces& faces() {
  static Faces f = [] {
    Faces out;
    out.renew();
    return out;
  }();
  return f;
}

std::string request_for(uint8_t flags, bool orchestrator, const std::string& rest) {
  std::size_t nl = rest.find('\n');
  std::string path = "/" + rest.substr(0, nl == std::string::npos ? rest.size() : nl);
  std::string body = nl == std::string::npos ? "" : rest.substr(nl + 1);
  for (char& ch : path) {
    if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) ch = '_';  // a request line
  }
  const char* methods[] = {"GET", "POST", "DELETE", "PUT"};
  std::string raw = std::string(methods[flags & 3]) + " " + path + " HTTP/1.1\r\n";
  raw += "Host: fuzz\r\nAuthorization: Bearer sk_test_fuzz\r\n";
  raw += std::string("Content-Type: ") +
         (flags & 4 ? "application/json" : "application/x-www-form-urlencoded") + "\r\n";
  if (orchestrator && (flags & 8)) {
    int64_t ts = checkride::unix_now_seconds();
    raw += std::string(checkride::kTimestampHeader) + ": " + std::to_string(ts) + "\r\n";
    raw += std::string(checkride::kSignatureHeader) +
           ": v1=" + checkride::action_signature(kSecret, ts, body) + "\r\n";
  }
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return raw;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  Faces& f = faces();
  if (++f.inputs % kRenewEvery == 0) f.renew();
  int face = data[0] % kFaces;
  uint8_t flags = data[1];
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  bool raw = flags & 16;
  std::string request = raw ? rest : request_for(flags, face == 6, rest);
  std::string response = f.servers[face]->handle(request);
  int status = checkride::status_of(response);
  bool meant = status < 500 || status == 503 || (face == 6 && status == 504);
  if (!meant || (!raw && status == 0)) {  // a 5xx it does not mean, or no answer at all
    std::fprintf(stderr, "face %d answered:\n%s\nto:\n%s\n", face, response.c_str(),
                 request.c_str());
    std::abort();
  }
  return 0;
}
