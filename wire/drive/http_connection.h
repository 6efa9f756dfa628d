#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <string>

#include "protocol/time.h"
#include "wire/drive/session_machine.h"

namespace checkride {

// Where an HTTP service listens: "http://HOST[:PORT]". Throws InputError naming `option` on
// anything else (drive speaks plain HTTP/1.1).
struct HttpTarget {
  std::string host;
  std::string port;
  static HttpTarget parse(const std::string& url, const char* option);
};

// One keep-alive HTTP/1.1 connection, driven by an event loop (Boost.Beast over Asio): a
// request at a time, connecting (again) when needed. A failure of any kind, a timeout
// included, closes it and answers as a transport error; the next request reconnects.
class HttpConnection {
 public:
  using Done = std::function<void(const SessionAnswer&)>;
  HttpConnection(boost::asio::io_context& io,
                 const boost::asio::ip::tcp::resolver::results_type& endpoints, std::string host,
                 Duration timeout);

  // Sends a POST of `body` to `path` with `headers` (name, value pairs); `done` gets the
  // answer on the loop's thread.
  void post(const std::string& path, std::string body,
            const std::vector<std::pair<std::string, std::string>>& headers, Done done);

 private:
  void write();
  void fail(const char* what, const boost::system::error_code& ec);

  boost::asio::ip::tcp::resolver::results_type endpoints_;
  std::string host_;
  Duration timeout_;
  boost::beast::tcp_stream stream_;
  bool connected_ = false;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  Done done_;
};

}  // namespace checkride
