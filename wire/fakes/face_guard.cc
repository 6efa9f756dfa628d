#include "wire/fakes/face_guard.h"

#include <httplib.h>

#include "protocol/utf8.h"

namespace checkride {

namespace {

// Where a request is not clean text, or "" when all of it is.
std::string unclean_part(const httplib::Request& req) {
  if (!clean_text(req.path)) return "the path";
  for (const auto& [k, v] : req.params) {
    if (!clean_text(k) || !clean_text(v)) return "the query";
  }
  for (const auto& [k, v] : req.headers) {
    if (!clean_text(k) || !clean_text(v)) return "the " + k + " header";
  }
  if (!clean_text(req.body)) return "the body";
  return "";
}

}  // namespace

bool refuse_unclean(const httplib::Request& req, httplib::Response& res, ErrorStyle style) {
  std::string where = unclean_part(req);
  if (where.empty()) return false;
  send_answer(error_answer(style, ErrorCode::kBadRequest, 400,
                           where + " is not valid UTF-8 text (or holds a NUL byte)"),
              res);
  return true;
}

void guard_face(httplib::Server& server, ErrorStyle style) {
  server.set_pre_routing_handler([style](const httplib::Request& req, httplib::Response& res) {
    return refuse_unclean(req, res, style) ? httplib::Server::HandlerResponse::Handled
                                           : httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_error_handler([style](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler's own error answer
    const std::string what = req.method + " " + (clean_text(req.path) ? req.path : "(path)");
    if (res.status == 404) {
      send_answer(error_answer(style, ErrorCode::kNotFound, 404, "no such route: " + what), res);
    } else if (res.status == 405) {
      send_answer(error_answer(style, ErrorCode::kBadRequest, 405, "method not allowed: " + what),
                  res);
    } else if (res.status == 413) {
      send_answer(error_answer(style, ErrorCode::kBadRequest, 413, "the request is too large"),
                  res);
    } else {
      const int status = res.status;
      send_answer(error_answer(style, ErrorCode::kBadRequest, status,
                               "request refused (HTTP " + std::to_string(status) + ")"),
                  res);
    }
  });
  server.set_exception_handler(
      [style](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_answer(error_answer(style, ErrorCode::kUnavailable, 500, "internal error in the fake"),
                    res);
      });
}

}  // namespace checkride
