// Slow and idle clients against `serve orchestrator` (issue 28, point 16). 300 clients
// sending a byte a second, or 2,000 idle connections, took every one of its 256 workers and
// nobody else was served; under 500 slow clients a drive dropped 349 of 800 sessions.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>

#include "wire_rig.h"

namespace checkride {
namespace {

using nlohmann::json;

// A sanitizer's threads cost more: the same shape, smaller.
constexpr int kIdle = testing::kUnderSanitizer ? 400 : 2000;
constexpr int kSlow = testing::kUnderSanitizer ? 100 : 500;

// A connection to 127.0.0.1:port from `source` (all of 127/8 is this machine): the abusers
// come from 127.0.0.2, so the service's limit per client address is theirs, not the drive's.
int connect_to(int port, const char* source = "127.0.0.2") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(Starvation, SlowAndIdleClientsCannotStopADriveFromCompletingEverySession) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < static_cast<rlim_t>(3 * (kIdle + kSlow))) {
    GTEST_SKIP() << "too few file descriptors for the abuse: " << files.rlim_cur;
  }
  WireRig rig("scenarios/happy-orders.yaml", "starvation");
  std::vector<int> idle, slow;
  for (int i = 0; i < kIdle; ++i) {
    int fd = connect_to(rig.port);
    if (fd >= 0) idle.push_back(fd);
  }
  for (int i = 0; i < kSlow; ++i) {
    int fd = connect_to(rig.port);
    if (fd >= 0) slow.push_back(fd);
  }
  ASSERT_EQ(static_cast<int>(idle.size()), kIdle);
  ASSERT_EQ(static_cast<int>(slow.size()), kSlow);
  // A slow-loris: a request head a byte a second, never finished.
  std::atomic<bool> stop{false};
  std::thread loris([&] {
    const std::string head = "POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    for (std::size_t i = 0; !stop; ++i) {
      for (int fd : slow) ::send(fd, &head[i % head.size()], 1, MSG_NOSIGNAL);
      for (int t = 0; t < 10 && !stop; ++t)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  DriveOptions o = rig.drive(60, 20);  // 20 sessions a second for 3 s
  o.scenario = testing::source_path("scenarios/happy-orders.yaml");
  std::ostringstream out, err;
  int rc = run_drive(o, out, err);
  stop = true;
  loris.join();
  for (int fd : idle) ::close(fd);
  for (int fd : slow) ::close(fd);
  EXPECT_NE(rc, 2) << err.str();
  EXPECT_NE(rc, 3) << err.str();

  std::ifstream f(o.out_dir + "/happy-orders.drive.json");
  ASSERT_TRUE(f) << "no report: " << err.str();
  json report = json::parse(f);
  const json& m = report["metrics"];
  EXPECT_EQ(m["drive_sessions_dropped"], 0);
  EXPECT_EQ(m["drive_sessions_unstarted"], 0);
  EXPECT_EQ(m["drive_transport_errors"], 0);
  EXPECT_EQ(m["sessions"], 60);
  EXPECT_EQ(m["stuck"], 0) << m.dump();
  EXPECT_EQ(m["false_failure"], 0) << m.dump();
  int64_t finished = 0;  // confirmed or failed as the cassette meant (a declined card fails)
  for (const auto& [outcome, n] : report["outcomes"].items()) finished += n.get<int64_t>();
  EXPECT_EQ(finished, 60) << report["outcomes"].dump();
  // A liveness bound, not a speed figure: served clients are answered within a second.
  EXPECT_LT(report["latency_ms"]["request"]["p99"].get<int64_t>(), 1000)
      << report["latency_ms"]["request"].dump();
  std::cout << "served under " << kSlow << " slow and " << kIdle << " idle clients: request p99 "
            << report["latency_ms"]["request"]["p99"] << " ms\n";
}

// One client address may hold only so many connections: past the limit each is answered 503
// and closed, while another client is served as before.
TEST(Starvation, OneClientPastItsConnectionLimitIsRefusedAndOthersAreServed) {
  WireRig rig("scenarios/happy-orders.yaml", "connection-limit", {},
              [](ServiceOptions& o) { o.max_connections_per_client = 40; });
  std::vector<int> held;
  for (int i = 0; i < 100; ++i) {
    int fd = connect_to(rig.port);
    ASSERT_GE(fd, 0);
    ::send(fd, "P", 1, MSG_NOSIGNAL);  // a request head begun, never finished
    held.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(testing::kUnderSanitizer ? 3000 : 1000));
  int refused = 0, open = 0;
  for (int fd : held) {
    pollfd p{fd, POLLIN, 0};
    std::string got;
    if (::poll(&p, 1, 50) > 0) {
      char buf[1024];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) got.assign(buf, static_cast<std::size_t>(n));
    }
    if (got.rfind("HTTP/1.1 503", 0) == 0) {
      ++refused;
      EXPECT_NE(got.find("too_many_connections"), std::string::npos) << got;
    } else if (got.empty()) {
      ++open;
    }
  }
  EXPECT_EQ(open, 40) << "the limit's worth of connections stays open";
  EXPECT_EQ(refused, 60) << "every connection past the limit hears why";
  httplib::Client other(rig.url);
  auto health = other.Get("/healthz");
  ASSERT_TRUE(health) << "another client was not served";
  EXPECT_EQ(health->status, 200);
  for (int fd : held) ::close(fd);
}

}  // namespace
}  // namespace checkride
