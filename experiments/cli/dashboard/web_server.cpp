#include "experiments/cli/dashboard/web_server.hpp"

#include "core/config/dashboard.hpp"
#include "core/time/injections.hpp"
#include "experiments/cli/dashboard/assets.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <limits>
#include <thread>

namespace murmur::dashboard {

namespace {

/// Control bodies are one short JSON object; anything larger is refused
/// before it is read.
constexpr std::size_t max_body_bytes = 64 << 10;

/// Streams at once: each holds one of the server's threads.
constexpr int max_streams = 4;
constexpr int server_threads = 8;

/// How long stopping waits for open streams to send what the hub holds.
/// A stream wakes at least once a second and then ends, so this bounds
/// only a page that stopped reading.
constexpr auto drain_limit = std::chrono::seconds(3);

/// 128 random bits as hex, from the kernel.
std::string random_token() {
  std::ifstream urandom{"/dev/urandom", std::ios::binary};
  unsigned char bytes[16];
  if (!urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes))
    throw std::runtime_error("dashboard: cannot read /dev/urandom for a token");
  static const char* hex = "0123456789abcdef";
  std::string token;
  for (auto b : bytes) {
    token += hex[b >> 4];
    token += hex[b & 15];
  }
  return token;
}

/// Compares in time independent of where the strings differ.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

/// The host name of a Host header ("127.0.0.1:8080", "[::1]:8080").
std::string host_name(const std::string& header) {
  if (!header.empty() && header.front() == '[')
    return header.substr(1, header.find(']') - 1);
  return header.substr(0, header.find(':'));
}

void answer(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void refuse(httplib::Response& res, int status, const std::string& why) {
  answer(res, status, {{"error", why}});
}

/// The JSON object of a request body, or null after refusing it.
std::optional<nlohmann::json> json_body(const httplib::Request& req,
                                        httplib::Response& res) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    refuse(res, 400, "the body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

} // namespace

struct web_server::impl {
  hub& page;
  controls* control;
  endpoint where;
  bool loopback;
  std::string token; ///< required when not loopback
  int bound_port = 0;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> stopping{false};
  std::atomic<int> streams{0};

  impl(hub& h, controls* c, endpoint at)
    : page(h), control(c), where(std::move(at)),
      loopback(is_loopback(where.host)) {
    if (!loopback)
      token = random_token();
  }

  /// The checks every request passes first; true when it was refused.
  bool refused(const httplib::Request& req, httplib::Response& res) {
    if (loopback && !is_loopback(host_name(req.get_header_value("Host")))) {
      refuse(res, 403, "this dashboard answers loopback host names only");
      return true;
    }
    bool api = req.path.rfind("/api/", 0) == 0;
    // Checked before httplib reads a body: it reads one of any length when
    // the request is chunked or gives no length, so only the two control
    // posts may carry one, of a declared length.
    bool get = req.method == "GET" || req.method == "HEAD";
    bool post = req.method == "POST" &&
                (req.path == "/api/command" || req.path == "/api/clock");
    if (!get && !post) {
      refuse(res, 405, "only GET, and POST to /api/command and /api/clock");
      return true;
    }
    if (req.has_header("Transfer-Encoding")) {
      refuse(res, 411, "give a Content-Length, not a chunked body");
      return true;
    }
    bool declared = req.has_header("Content-Length");
    auto length =
      declared ? req.get_header_value<std::uint64_t>("Content-Length") : 0;
    if (post && !declared) {
      refuse(res, 411, "give a Content-Length");
      return true;
    }
    if (get && length > 0) {
      refuse(res, 400, "a GET carries no body");
      return true;
    }
    if (length > max_body_bytes) {
      refuse(res, 413, "bodies are at most 64 KiB");
      return true;
    }
    if (api && !token.empty()) {
      auto given = req.has_header("X-Murmur-Token")
                     ? req.get_header_value("X-Murmur-Token")
                     : req.get_param_value("token");
      if (!same_secret(given, token)) {
        refuse(res, 401, "missing or wrong token");
        return true;
      }
    }
    if (req.method == "POST") {
      // A cross-site page can post a form or plain text without asking;
      // JSON needs the browser's permission, which this server never gives.
      if (req.get_header_value("Content-Type").rfind("application/json", 0) !=
          0) {
        refuse(res, 415, "post JSON (Content-Type: application/json)");
        return true;
      }
      if (req.has_header("Origin") &&
          req.get_header_value("Origin") !=
            "http://" + req.get_header_value("Host")) {
        refuse(res, 403, "posts from other origins are refused");
        return true;
      }
    }
    return false;
  }

  void serve_asset(const httplib::Request& req, httplib::Response& res) {
    auto* a = find_asset(req.path);
    if (!a) {
      refuse(res, 404, "no such page");
      return;
    }
    res.set_content(a->body.data(), a->body.size(), std::string{a->type});
  }

  void stream(const httplib::Request& req, httplib::Response& res) {
    if (streams.fetch_add(1) >= max_streams) {
      --streams;
      refuse(res, 503, "too many open pages");
      return;
    }
    std::uint64_t since = 0;
    try {
      since = std::stoull(req.get_param_value("since"));
    } catch (const std::exception&) {
      --streams;
      refuse(res, 400, "give since=SEQ from /api/init");
      return;
    }
    auto seq = std::make_shared<std::uint64_t>(since);
    auto watching = std::make_shared<hub::watcher>(page);
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
      "text/event-stream",
      [this, seq, watching](std::size_t, httplib::DataSink& sink) {
        std::string out;
        auto r = page.follow(*seq, out, std::chrono::seconds(1));
        // A stopping server's streams end once they have sent all there is.
        bool last = r != hub::follow_result::more || (stopping && out.empty());
        if (r == hub::follow_result::reload)
          out += "event: reload\ndata: {}\n\n";
        // A comment keeps proxies open and finds closed pages.
        if (out.empty())
          out = ": idle\n\n";
        if (!sink.write(out.data(), out.size()))
          return false;
        if (last)
          sink.done();
        return true;
      },
      [this](bool) { --streams; });
  }

  void command(const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body)
      return;
    auto line = body->value("command", std::string{});
    if (line.empty() || line.size() > 256 ||
        line.find_first_of("\r\n") != std::string::npos) {
      refuse(res, 400, "give one command line of at most 256 characters");
      return;
    }
    // The console's grammar (agent ids are checked by the controller, which
    // knows how many there are). The page's verbs only: `status` and `help`
    // would make the controller ask every agent, with timeouts that are
    // events of a virtual run.
    command::verb verb{};
    try {
      verb = parse_command(line, std::numeric_limits<std::size_t>::max()).what;
    } catch (const input_error& e) {
      refuse(res, 400, e.what());
      return;
    }
    if (verb == command::verb::status || verb == command::verb::help) {
      refuse(res, 400, "command: one of slow, delay, pause, resume, kill");
      return;
    }
    auto reply = control->command(line);
    answer(res, reply.rfind("error", 0) == 0 ? 400 : 200, {{"reply", reply}});
  }

  void clock(const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body)
      return;
    auto speed = body->value("speed", 0.0);
    clock_action action{};
    try {
      action = parse_enum<clock_action>("action",
                                        body->value("action", std::string{}));
    } catch (const input_error& e) {
      refuse(res, 400, e.what());
      return;
    }
    if (!valid_speed(speed)) {
      refuse(res, 400,
             "speed: 0 (as fast as possible) or simulated seconds per wall "
             "second from 0.001 to 1e6");
      return;
    }
    if (!control->clock(action, speed)) {
      refuse(res, 409, "only a virtual-clock run can be paused or paced");
      return;
    }
    answer(res, 200, {{"ok", true}});
  }

  void routes() {
    http.new_task_queue = [] {
      return new httplib::ThreadPool(server_threads);
    };
    http.set_payload_max_length(max_body_bytes);
    http.set_keep_alive_timeout(2);
    http.set_default_headers(
      {{"X-Frame-Options", "DENY"},
       {"Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"},
       {"X-Content-Type-Options", "nosniff"},
       {"Referrer-Policy", "no-referrer"},
       {"Cache-Control", "no-store"}});
    http.set_pre_routing_handler([this](const auto& req, auto& res) {
      return refused(req, res) ? httplib::Server::HandlerResponse::Handled
                               : httplib::Server::HandlerResponse::Unhandled;
    });
    http.Get("/api/init", [this](const auto&, auto& res) {
      auto state = page.snapshot();
      state["readonly"] = control == nullptr;
      answer(res, 200, state);
    });
    http.Get("/api/stream",
             [this](const auto& req, auto& res) { stream(req, res); });
    auto read_only = [](const auto&, auto& res) {
      refuse(res, 403, "this dashboard is read-only");
    };
    if (control) {
      http.Post("/api/command",
                [this](const auto& req, auto& res) { command(req, res); });
      http.Post("/api/clock",
                [this](const auto& req, auto& res) { clock(req, res); });
    } else {
      http.Post("/api/command", read_only);
      http.Post("/api/clock", read_only);
    }
    http.Get("/.*",
             [this](const auto& req, auto& res) { serve_asset(req, res); });
  }
};

web_server::web_server(const std::string& listen, const std::string& field,
                       hub& h, controls* c)
  : impl_(std::make_unique<impl>(h, c, parse_listen(listen, field))) {
  impl_->routes();
  auto& at = impl_->where;
  bool bound = at.port == 0 ? (impl_->bound_port =
                                 impl_->http.bind_to_any_port(at.host)) > 0
                            : impl_->http.bind_to_port(at.host, at.port);
  if (!bound)
    throw input_error(field + ": cannot listen on " + at.host + ":" +
                      std::to_string(at.port) +
                      " (taken, or not an address of this host); pick another");
  if (at.port != 0)
    impl_->bound_port = at.port;
}

web_server::~web_server() {
  stop();
}

int web_server::port() const {
  return impl_->bound_port;
}

std::string web_server::url() const {
  auto& host = impl_->where.host;
  auto shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + shown + ":" + std::to_string(port()) + "/" +
         (impl_->token.empty() ? "" : "?token=" + impl_->token);
}

void web_server::start() {
  impl_->listener = std::thread{[this] { impl_->http.listen_after_bind(); }};
  // stop() only stops a server that runs: wait until it does.
  for (int i = 0; i < 5000 && !impl_->http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void web_server::stop() {
  impl_->stopping = true;
  // httplib ends a stream between two writes once it stops, so a page whose
  // stream was between writes would miss the hub's last events (the run's
  // end above all) and say the run was lost: the streams end first.
  auto deadline = std::chrono::steady_clock::now() + drain_limit;
  while (impl_->streams > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->http.stop();
  if (impl_->listener.joinable())
    impl_->listener.join();
}

} // namespace murmur::dashboard
