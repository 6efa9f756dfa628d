#include "wire/drive/http_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "protocol/input_error.h"

namespace checkride {

namespace beast = boost::beast;
namespace http = beast::http;

HttpTarget HttpTarget::parse(const std::string& url, const char* option) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    throw InputError(option, 0, url, "expected http://HOST[:PORT] (drive speaks plain HTTP)");
  }
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) {
    throw InputError(option, 0, url, "expected http://HOST[:PORT], with no path");
  }
  HttpTarget t;
  const auto colon = rest.rfind(':');
  const bool bracketed = rest.front() == '[';  // an IPv6 literal, [::1]:8080
  if (colon != std::string::npos && (!bracketed || rest[colon - 1] == ']')) {
    t.host = rest.substr(0, colon);
    t.port = rest.substr(colon + 1);
  } else {
    t.host = rest;
    t.port = "80";
  }
  if (bracketed && t.host.size() >= 2) t.host = t.host.substr(1, t.host.size() - 2);
  if (t.host.empty() || t.port.empty() ||
      t.port.find_first_not_of("0123456789") != std::string::npos || t.port.size() > 5) {
    throw InputError(option, 0, url, "expected http://HOST[:PORT]");
  }
  return t;
}

HttpConnection::HttpConnection(boost::asio::io_context& io,
                               const boost::asio::ip::tcp::resolver::results_type& endpoints,
                               std::string host, Duration timeout)
    : endpoints_(endpoints), host_(std::move(host)), timeout_(timeout), stream_(io) {}

void HttpConnection::post(const std::string& path, std::string body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          Done done) {
  done_ = std::move(done);
  request_ = {};
  request_.method(http::verb::post);
  request_.target(path);
  request_.version(11);
  request_.set(http::field::host, host_);
  request_.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request_.set(name, value);
  request_.body() = std::move(body);
  request_.prepare_payload();
  if (connected_) return write();
  stream_.expires_after(std::chrono::seconds(2));
  stream_.async_connect(endpoints_, [this](const boost::system::error_code& ec, const auto&) {
    if (ec) return fail("connect", ec);
    connected_ = true;
    stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true));  // small requests
    write();
  });
}

void HttpConnection::write() {
  stream_.expires_after(std::chrono::milliseconds(timeout_));
  http::async_write(stream_, request_, [this](const boost::system::error_code& ec, std::size_t) {
    if (ec) return fail("write", ec);
    response_ = {};
    http::async_read(stream_, buffer_, response_,
                     [this](const boost::system::error_code& ec, std::size_t) {
                       if (ec) return fail("read", ec);
                       SessionAnswer a;
                       a.status = response_.result_int();
                       a.body = std::move(response_.body());
                       if (!response_.keep_alive()) {
                         boost::system::error_code ignored;
                         stream_.socket().close(ignored);
                         connected_ = false;
                       }
                       Done done = std::move(done_);
                       done(a);
                     });
  });
}

void HttpConnection::fail(const char* what, const boost::system::error_code& ec) {
  boost::system::error_code ignored;
  stream_.socket().close(ignored);
  connected_ = false;
  buffer_.clear();
  SessionAnswer a;
  a.transport_error = true;
  a.transport_what = std::string(what) + ": " +
                     (ec == beast::error::timeout ? std::string("timed out") : ec.message());
  Done done = std::move(done_);
  done(a);
}

}  // namespace checkride
