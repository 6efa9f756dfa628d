// Slow and idle clients against `serve orchestrator` (issue 28, point 16). 300 clients
// sending a byte a second, or 2,000 idle connections, took every one of its 256 workers and
// nobody else was served; under 500 slow clients a drive dropped 349 of 800 sessions.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
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

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
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

}  // namespace
}  // namespace checkride
