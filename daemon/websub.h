// WebSub publishing (W3C Recommendation, section 7): after a regeneration changed
// some feeds, POST hub.mode=publish with one hub.url per changed feed to the hub.
// Asynchronous on the given io_context, with retries and exponential backoff;
// never blocks serving or regeneration. Publish() is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/metrics.h"

namespace boost::asio {
class io_context;
}

namespace feedd::daemon {

class WebSubNotifier {
 public:
  // `hub`: an http:// URL. `first_retry_ms` doubles after each failed attempt.
  WebSubNotifier(boost::asio::io_context& ioc, std::string hub, Metrics* metrics,
                 int attempts = 5, int first_retry_ms = 1000);
  ~WebSubNotifier();

  void Publish(std::vector<std::string> topics);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace feedd::daemon
