// One exchange with the upstream, relayed to the client as it arrives and in bounded memory:
// the client's connection drains what an upstream thread fills, and that thread waits while
// kMaxQueuedBytes are queued. A 200 MB answer (a file's content, an endless stream) costs
// the proxy a few MiB, never its size. What the recorder keeps of a body is its own business,
// through `observe`, and bounded there.
#pragma once
#include <httplib.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace checkride {

inline constexpr std::size_t kMaxQueuedBytes = 4u << 20;
// The first bytes of a non-200 body, kept for the recorder's note (the client gets it all).
inline constexpr std::size_t kMaxKeptErrorBytes = 64u << 10;

struct UpstreamAnswer {
  bool answered = false;  // headers arrived
  int status = 0;
  httplib::Error error = httplib::Error::Success;  // why it broke off, if it did
  std::string error_head;                          // a non-200 body's first bytes
  bool broken() const { return error != httplib::Error::Success; }
};

struct RelayHooks {
  // Each chunk of a 200 body, in order, on the upstream's thread.
  std::function<void(std::string_view)> observe;
  // Once, when the upstream is done (or the client left), before the client gets the end:
  // a client that answers at once finds its turn recorded.
  std::function<void(const UpstreamAnswer&)> finished;
  // A broken 200 stream of this content type ends with this event, then a reset, so the
  // client hears a failure; "" for a bare reset.
  std::function<std::string(const UpstreamAnswer&, const std::string& content_type)> broken_tail;
  // The proxy's own refusal (an unreachable upstream) in the API's error shape; unset, the
  // OpenAI shape (upstream_error_body).
  std::function<void(httplib::Response&, int status, const std::string& message)> error_body;
};

using MakeClient = std::function<std::unique_ptr<httplib::Client>()>;

// Sends `up` and relays the answer into `res`. An upstream that never answers becomes a 502
// (504 when it timed out) with an OpenAI-style error body.
void relay_upstream(const MakeClient& make_client, httplib::Request up, httplib::Response& res,
                    RelayHooks hooks);

// {"error": {"message", "type": "upstream_error", "code": null}}
void upstream_error_body(httplib::Response& res, int status, const std::string& message);
int failure_status(httplib::Error e);

}  // namespace checkride
