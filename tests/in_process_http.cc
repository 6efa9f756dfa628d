#include "in_process_http.h"

#include <algorithm>
#include <cstring>

namespace checkride {
namespace {

// Reads the request from a string, collects the response in another.
class MemoryStream : public httplib::Stream {
 public:
  MemoryStream(const std::string& in, std::string& out, std::string remote_ip)
      : in_(in), out_(out), remote_ip_(std::move(remote_ip)) {}

  bool is_readable() const override { return position_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, in_.size() - position_);
    std::memcpy(ptr, in_.data() + position_, n);
    position_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = 0;  // no socket has this port, so a connection-reset fault finds nothing to reset
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  socket_t socket() const override { return INVALID_SOCKET; }

 private:
  const std::string& in_;
  std::string& out_;
  std::string remote_ip_;
  size_t position_ = 0;
};

}  // namespace

std::string InProcessHttpServer::handle(const std::string& raw_request,
                                        const std::string& remote_ip) {
  std::string out;
  MemoryStream stream(raw_request, out, remote_ip);
  bool closed = false;
  process_request(stream, true, closed, [](httplib::Request&) {});
  return out;
}

int status_of(const std::string& raw_response) {
  // "HTTP/1.1 200 OK"
  if (raw_response.size() < 12 || raw_response.compare(0, 5, "HTTP/") != 0) return 0;
  std::size_t space = raw_response.find(' ');
  if (space == std::string::npos) return 0;
  return std::atoi(raw_response.c_str() + space + 1);
}

std::string body_of(const std::string& raw_response) {
  std::size_t end = raw_response.find("\r\n\r\n");
  return end == std::string::npos ? "" : raw_response.substr(end + 4);
}

}  // namespace checkride
