#include "http/server.h"

#include "os/tcp_listen.h"
#include "os/timer_fd.h"

namespace http {

// One connection: its request head is read (within request_timeout from
// accept), answered, and the response must be taken within write_timeout;
// the server then half-closes and lingers (os::StreamServer).
class Server::Exchange : public os::Session {
 public:
  Exchange(Server& server, base::TimePoint now)
      : server_(server),
        parser_(server.config_.limits),
        accepted_(now),
        deadline_(now + server.config_.request_timeout) {}

  void Received(os::Stream& s, base::TimePoint now) override {
    if (s.Finishing()) return;
    parser_.Feed(s.in());  // the parser stops after max_head + 1 bytes
    s.in().clear();
    if (parser_.state() == RequestParser::State::kNeedMore) return;
    bool head_only =
        parser_.state() == RequestParser::State::kDone && parser_.request().method == "HEAD";
    Response r = server_.Answer(parser_);
    if (r.stream && !head_only && server_.OpenStreams() >= server_.config_.max_streams) {
      r = TextError(503, "too many event streams open; try again later");
    }
    s.Send(Serialize(r, head_only));
    ++server_.answered_;
    if (r.stream && !head_only) {  // open until the client goes or stalls
      topic_ = std::move(r.topic);
      streaming_ = true;
      deadline_.reset();
      return;
    }
    s.Finish();
    // From when the response is ready: making a large one takes time too.
    deadline_ = std::max(now, os::Now()) + server_.config_.write_timeout;
  }
  std::optional<base::TimePoint> Deadline() const override { return deadline_; }
  bool Streams(const std::string& topic, const std::string& alias) const {
    return streaming_ && (topic_.empty() || topic.empty() || topic_ == topic ||
                          (!alias.empty() && topic_ == alias));
  }
  bool streaming() const { return streaming_; }
  // A stream's next piece; a client that leaves too much unread goes.
  void Push(os::Stream& s, const std::string& data) {
    if (s.Unsent() + data.size() > server_.config_.max_stream_backlog) return s.Close();
    s.Send(data);
  }
  // Out of time: dropped now, whatever it is doing; one still sending its
  // head gets a best-effort 408 first.
  void Expired(os::Stream& s, base::TimePoint /*now*/) override {
    ++server_.timed_out_;
    if (s.Finishing()) return s.Close();
    s.Close(Serialize(TextError(408), false));
  }
  // The oldest connection may always go: a real probe is done in
  // milliseconds, so the longest-open one is almost surely stalled.
  std::optional<base::TimePoint> StalledSince(const os::Stream& /*s*/) const override {
    if (streaming_) return std::nullopt;  // its own bound is max_streams
    return accepted_;
  }

 private:
  Server& server_;
  RequestParser parser_;
  base::TimePoint accepted_;
  std::optional<base::TimePoint> deadline_;
  bool streaming_ = false;
  std::string topic_;
};

Server::Server(os::Epoll& epoll, ServerConfig config, Handler handler)
    : config_(std::move(config)),
      handler_(std::move(handler)),
      streams_(epoll, StreamPolicyOf(config_), StreamHooks()) {}

os::StreamPolicy Server::StreamPolicyOf(const ServerConfig& config) {
  os::StreamPolicy policy;
  policy.max_clients = config.max_clients;
  policy.read_chunk = 4096;
  policy.linger = config.linger;
  return policy;
}

os::StreamServer::Hooks Server::StreamHooks() {
  os::StreamServer::Hooks hooks;
  hooks.open = [this](int /*fd*/, base::TimePoint now) {
    return std::make_unique<Exchange>(*this, now);
  };
  hooks.log = config_.log;
  return hooks;
}

base::Status Server::Listen() {
  auto fd = os::ListenTcp(config_.listen);
  if (!fd) return fd.Err();
  return Listen(std::move(*fd));
}

base::Status Server::Listen(base::UniqueFd listen_fd) {
  return streams_.Listen(std::move(listen_fd));
}

std::optional<int> Server::Port() const {
  if (!streams_.Listening()) return std::nullopt;
  auto port = os::BoundPort(streams_.listen_fd());
  if (!port) return std::nullopt;
  return port.Value();
}

ServerStats Server::stats() const {
  ServerStats stats;
  stats.accepted = streams_.accepted();
  stats.answered = answered_;
  stats.timed_out = timed_out_;
  stats.evicted = streams_.evicted();
  return stats;
}

size_t Server::OpenStreams() const {
  return streams_.Count<Exchange>([](const Exchange& e) { return e.streaming(); });
}

bool Server::Streaming() const {
  return streams_.Any<Exchange>([](const Exchange& e) { return e.streaming(); });
}

void Server::Publish(const std::string& topic, const std::string& alias, const std::string& data) {
  streams_.ForEach<Exchange>(
      [&](os::Stream& s, Exchange& e) {
        if (e.Streams(topic, alias)) e.Push(s, data);
      },
      os::Now());
}

Response Server::Answer(const RequestParser& parser) {
  if (parser.state() == RequestParser::State::kError) {
    return TextError(parser.error_status(), parser.error());
  }
  const Request& request = parser.request();
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = TextError(405);
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  return handler_(request);
}

}  // namespace http
