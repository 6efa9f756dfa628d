#include "wire/drive/load_loop.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <thread>

#include "protocol/action_signature.h"
#include "protocol/input_error.h"
#include "wire/drive/arrival_schedule.h"
#include "wire/drive/http_connection.h"

namespace checkride {
namespace {

using boost::asio::ip::tcp;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Arrival {
  int64_t index;  // in the whole drive's schedule (all shards')
  uint32_t tmpl;
  SteadyTime intended;
};

tcp::resolver::results_type resolve(boost::asio::io_context& io, const HttpTarget& t,
                                    const char* option, const std::string& url) {
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(t.host, t.port, ec);
  if (ec) throw InputError(option, 0, url, "cannot resolve " + t.host + ": " + ec.message());
  return endpoints;
}

class LoadLoop {
 public:
  LoadLoop(const LoadInput& in, int loop, int loops, DriveProgress& progress, DriveTally& tally)
      : in_(in),
        loop_(loop),
        loops_(loops),
        o_(in.options),
        progress_(progress),
        tally_(tally),
        picks_(in.scenario.seed, "mix"),
        schedule_(o_.rate, o_.ramp_to, o_.duration_s),
        arrivals_(io_),
        context_{in.scenario.agent, o_.think_scale, in.wire_time,
                 o_.progress ? &progress : nullptr,  // no lock per request when unwatched
                 &in.params_text} {
    const HttpTarget orchestrator = HttpTarget::parse(o_.orchestrator, "--orchestrator");
    const HttpTarget control = HttpTarget::parse(o_.control, "--control");
    const auto to_orchestrator = resolve(io_, orchestrator, "--orchestrator", o_.orchestrator);
    const auto to_control = resolve(io_, control, "--control", o_.control);
    for (int i = loop; i < o_.connections; i += loops) {
      auto lane = std::make_unique<Lane>(io_);
      lane->orchestrator = std::make_unique<HttpConnection>(io_, to_orchestrator, orchestrator.host,
                                                            in.scenario.agent.timeout);
      lane->control = std::make_unique<HttpConnection>(io_, to_control, control.host, 10 * kSecond);
      idle_.push_back(lane.get());
      lanes_.push_back(std::move(lane));
    }
  }

  void run() {
    upcoming_ = next_arrival();
    wait_for_arrival();
    io_.run();
    tally_.total.merge(stats_);
  }

 private:
  struct Lane {
    explicit Lane(boost::asio::io_context& io) : timer(io) {}
    std::unique_ptr<HttpConnection> orchestrator, control;
    boost::asio::steady_timer timer;
    std::unique_ptr<SessionMachine> session;
  };

  // This shard's next arrival in the schedule, drawing every arrival's template on the way.
  std::optional<Arrival> next_arrival() {
    for (; next_index_ < in_.sessions; ++next_index_) {
      const double at = schedule_.start_of(next_index_);
      if (o_.duration_s > 0 && at >= o_.duration_s) break;
      const uint32_t tmpl = in_.mix.pick(picks_);
      if (next_index_ % o_.shard.count != o_.shard.index) continue;
      if ((next_index_ / o_.shard.count) % loops_ != loop_) continue;
      const auto offset = std::chrono::microseconds(static_cast<int64_t>(at * 1e6));
      return Arrival{next_index_++, tmpl, in_.start + offset};
    }
    return std::nullopt;
  }

  void wait_for_arrival() {
    if (!upcoming_) return;
    arrivals_.expires_at(upcoming_->intended);
    arrivals_.async_wait([this](const boost::system::error_code&) { arrive(); });
  }

  // The arrivals now due join the queue, and idle lanes take them.
  void arrive() {
    const SteadyTime now = std::chrono::steady_clock::now();
    while (upcoming_ && upcoming_->intended <= now) {
      waiting_.push_back(*upcoming_);
      ++tally_.started;
      progress_.session_queued();
      upcoming_ = next_arrival();
    }
    while (!idle_.empty() && !waiting_.empty()) {
      Lane* lane = idle_.back();
      idle_.pop_back();
      start_next(*lane);
    }
    wait_for_arrival();
  }

  // The lane takes the next arrival that is not too late (dropping those that are), or idles.
  void start_next(Lane& lane) {
    const SteadyTime now = std::chrono::steady_clock::now();
    while (!waiting_.empty()) {
      const Arrival a = waiting_.front();
      waiting_.pop_front();
      if (now - a.intended > std::chrono::milliseconds(o_.max_lag)) {
        ++tally_.dropped;
        tally_.dropped_requests += static_cast<int64_t>(in_.templates[a.tmpl].steps.size());
        progress_.session_dropped();
        continue;
      }
      lane.session = std::make_unique<SessionMachine>(
          context_, in_.session_prefix + std::to_string(a.index + 1), a.tmpl, in_.templates[a.tmpl],
          a.intended, stats_);
      return step(lane);
    }
    idle_.push_back(&lane);
  }

  // Runs the lane's session until it sends a request, waits, or ends.
  void step(Lane& lane) {
    SessionRequest request;
    SteadyTime until;
    const SteadyTime now = std::chrono::steady_clock::now();
    SessionMachine::Next next;
    try {
      next = lane.session->next(now, request, until);
    } catch (const std::exception& e) {  // never out of the event loop: said, and counted
      lane.session->abandon(e.what());
      next = SessionMachine::Next::kDone;
    }
    switch (next) {
      case SessionMachine::Next::kSend:
        return send(lane, request);
      case SessionMachine::Next::kWait:
        lane.timer.expires_at(until);
        return lane.timer.async_wait(
            [this, &lane](const boost::system::error_code&) { step(lane); });
      case SessionMachine::Next::kDone:
        return end_session(lane);
    }
  }

  void send(Lane& lane, const SessionRequest& request) {
    Headers headers;
    const bool to_orchestrator = request.to == SessionRequest::To::kOrchestrator;
    if (request.sign && !o_.secret.empty()) {
      const int64_t ts = unix_now_seconds();
      headers.emplace_back(kTimestampHeader, std::to_string(ts));
      headers.emplace_back(kSignatureHeader, action_signature(o_.secret, ts, request.body));
    }
    if (!to_orchestrator && !o_.control_token.empty()) {
      headers.emplace_back("Authorization", "Bearer " + o_.control_token);
    }
    HttpConnection& c = to_orchestrator ? *lane.orchestrator : *lane.control;
    c.post(request.path, request.body, headers, [this, &lane](const SessionAnswer& answer) {
      try {
        lane.session->answered(answer, std::chrono::steady_clock::now());
      } catch (const std::exception& e) {
        lane.session->abandon(e.what());
      }
      step(lane);
    });
  }

  void end_session(Lane& lane) {
    SessionMachine& s = *lane.session;
    progress_.session_ended();
    if (s.started()) {
      tally_.driven.push_back(std::move(s.result()));
    } else {
      ++tally_.unstarted;
      if (tally_.errors.size() < DriveTally::kMaxErrors) tally_.errors.push_back(s.error());
    }
    lane.session.reset();
    start_next(lane);
  }

  const LoadInput& in_;
  const int loop_, loops_;
  const DriveOptions& o_;
  DriveProgress& progress_;
  DriveTally& tally_;
  boost::asio::io_context io_{1};
  Stream picks_;
  ArrivalSchedule schedule_;
  boost::asio::steady_timer arrivals_;
  SessionContext context_;
  DriveStats stats_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<Lane*> idle_;
  std::deque<Arrival> waiting_;
  std::optional<Arrival> upcoming_;
  int64_t next_index_ = 0;
};

}  // namespace

void DriveTally::add(DriveTally&& other) {
  driven.insert(driven.end(), std::make_move_iterator(other.driven.begin()),
                std::make_move_iterator(other.driven.end()));
  for (auto& e : other.errors) {
    if (errors.size() < kMaxErrors) errors.push_back(std::move(e));
  }
  total.merge(other.total);
  started += other.started;
  dropped += other.dropped;
  dropped_requests += other.dropped_requests;
  unstarted += other.unstarted;
}

void play_load(const LoadInput& in, DriveProgress& progress, DriveTally& tally) {
  const int wanted = in.options.loops > 0
                         ? in.options.loops
                         : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int loops = std::max(1, std::min(wanted, in.options.connections));
  if (in.params_text.size() != in.templates.size()) {
    throw std::logic_error("play_load: LoadInput::params_text is params_texts(templates)");
  }
  std::vector<DriveTally> tallies(loops);
  std::vector<std::unique_ptr<LoadLoop>> built;
  for (int i = 0; i < loops; ++i) {  // each resolves its URLs here, on this thread: one throw
    built.push_back(std::make_unique<LoadLoop>(in, i, loops, progress, tallies[i]));
  }
  std::vector<std::thread> threads;
  for (auto& loop : built) threads.emplace_back([&loop] { loop->run(); });
  for (auto& t : threads) t.join();
  for (auto& t : tallies) tally.add(std::move(t));
  tally.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - in.start).count();
}

}  // namespace checkride
