#include "simulator/sweep_jobs.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "protocol/input_error.h"
#include "simulator/suite.h"

namespace checkride {
namespace {

std::string part_line(const Scenario& s, bool allow_empty, const SweepReport& blank) {
  Report r = simulate_scenario(s);
  r.allow_empty = allow_empty;
  SweepReport part = blank;
  part.add(r);
  return part.to_json().dump() + "\n";
}

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// In the child: run every jobs-th seed from `first`, one line per seed; never returns.
[[noreturn]] void child(const std::vector<Scenario>& runs, std::size_t first, int jobs,
                        bool allow_empty, const SweepReport& blank, int fd) {
  int code = 0;
  try {
    for (std::size_t i = first; i < runs.size(); i += static_cast<std::size_t>(jobs)) {
      if (!write_all(fd, part_line(runs[i], allow_empty, blank))) {
        code = 4;
        break;
      }
    }
  } catch (const std::exception& e) {
    nlohmann::json error = {{"error", std::string(e.what())}};
    write_all(fd, error.dump() + "\n");
    code = 3;
  }
  ::close(fd);
  _exit(code);  // not exit(): the parent's buffered output must not be flushed twice
}

struct Job {
  pid_t pid = -1;
  int fd = -1;
  std::string buffer;
};

// Takes the complete lines out of a job's buffer; "" or an error.
std::string take_lines(Job& job, const std::function<void(const SweepReport&)>& on_part) {
  std::size_t newline;
  while ((newline = job.buffer.find('\n')) != std::string::npos) {
    std::string line = job.buffer.substr(0, newline);
    job.buffer.erase(0, newline + 1);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("error")) return j["error"].dump();
    try {
      on_part(SweepReport::from_json(j, "a sweep job's answer"));
    } catch (const InputError& e) {
      return e.what();
    }
  }
  return "";
}

std::string reap(std::vector<Job>& jobs) {
  std::string error;
  for (Job& job : jobs) {
    int status = 0;
    while (::waitpid(job.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status) && error.empty()) {
      error = "a sweep job died of signal " + std::to_string(WTERMSIG(status));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && error.empty()) {
      error = "a sweep job exited with " + std::to_string(WEXITSTATUS(status));
    }
  }
  return error;
}

std::string run_forked(const std::vector<Scenario>& runs, int jobs, bool allow_empty,
                       const SweepReport& blank,
                       const std::function<void(const SweepReport&)>& on_part) {
  std::vector<Job> started;
  for (int j = 0; j < jobs && static_cast<std::size_t>(j) < runs.size(); ++j) {
    int fds[2];
    if (::pipe(fds) != 0) return std::string("pipe: ") + std::strerror(errno);
    pid_t pid = ::fork();
    if (pid < 0) return std::string("fork: ") + std::strerror(errno);
    if (pid == 0) {
      ::close(fds[0]);
      for (const Job& other : started) ::close(other.fd);
      child(runs, static_cast<std::size_t>(j), jobs, allow_empty, blank, fds[1]);
    }
    ::close(fds[1]);
    started.push_back(Job{pid, fds[0], {}});
  }
  std::string error;
  std::size_t open = started.size();
  char chunk[1 << 16];
  while (open > 0) {
    std::vector<pollfd> polls;
    std::vector<Job*> polled;
    for (Job& job : started) {
      if (job.fd < 0) continue;
      polls.push_back(pollfd{job.fd, POLLIN, 0});
      polled.push_back(&job);
    }
    if (::poll(polls.data(), polls.size(), -1) < 0) {
      if (errno == EINTR) continue;
      error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    for (std::size_t p = 0; p < polls.size(); ++p) {
      if (polls[p].revents == 0) continue;
      Job& job = *polled[p];
      ssize_t n = ::read(job.fd, chunk, sizeof chunk);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) {
        job.buffer.append(chunk, static_cast<std::size_t>(n));
        std::string e = take_lines(job, on_part);
        if (error.empty()) error = e;
        continue;
      }
      ::close(job.fd);  // end of file: the job is done (or died)
      job.fd = -1;
      --open;
    }
  }
  for (Job& job : started) {
    if (job.fd >= 0) ::close(job.fd);
  }
  std::string died = reap(started);
  return error.empty() ? died : error;
}

}  // namespace

std::string run_seeds(const std::vector<Scenario>& runs, int jobs, bool allow_empty,
                      const SweepReport& blank,
                      const std::function<void(const SweepReport&)>& on_part) {
  if (jobs > 1 && runs.size() > 1) return run_forked(runs, jobs, allow_empty, blank, on_part);
  for (const Scenario& s : runs) {
    nlohmann::json j = nlohmann::json::parse(part_line(s, allow_empty, blank));
    on_part(SweepReport::from_json(j, "a sweep seed"));
  }
  return "";
}

}  // namespace checkride
