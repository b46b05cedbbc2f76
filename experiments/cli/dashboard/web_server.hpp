#pragma once

#include "core/base/schema.hpp"
#include "experiments/cli/dashboard/hub.hpp"

#include <memory>
#include <string>

namespace murmur::dashboard {

/// What the page's clock buttons ask of a virtual-clock run.
enum class clock_action { pause, run, step, speed };

inline const enum_names<clock_action>& names_of(clock_action) {
  static const enum_names<clock_action> n{{"pause", clock_action::pause},
                                          {"run", clock_action::run},
                                          {"step", clock_action::step},
                                          {"speed", clock_action::speed}};
  return n;
}

/// What a page may ask of a run beyond watching it. A server without
/// controls is read-only (`murmur view`).
class controls {
public:
  virtual ~controls() = default;

  /// A live command in `murmur ctl`'s language, with its one-line reply
  /// ("ok: ..." or "error: ...").
  virtual std::string command(const std::string& line) = 0;

  /// Virtual clock: pause, run, step, or set the speed (`speed` simulated
  /// seconds per wall second, 0 = as fast as possible). False when the run
  /// has no clock to pace.
  virtual bool clock(clock_action action, double speed) = 0;
};

/// The dashboard's HTTP server (cpp-httplib, on its own threads): the page
/// compiled into the binary, the hub's snapshot (`GET /api/init`), its
/// messages as server-sent events (`GET /api/stream?since=SEQ`), and, with
/// controls, `POST /api/command` and `POST /api/clock` (JSON bodies).
///
/// Who may ask: a loopback address answers only requests whose Host header
/// is a loopback name (no DNS rebinding); any other address requires a
/// random token, printed with the page's address, on every /api request
/// (`X-Murmur-Token` header or `token` parameter), refusing others with 401.
/// Posts must be JSON from the page's own origin (no cross-site forms),
/// bodies above 64 KiB are refused (413) unread, and no page may frame this
/// one.
class web_server {
public:
  /// Binds `listen` ("[HOST:]PORT", named `field` in errors) at once; throws
  /// input_error naming `field` when it cannot. Serving starts with start().
  web_server(const std::string& listen, const std::string& field, hub& h,
             controls* c);
  ~web_server();
  web_server(const web_server&) = delete;
  web_server& operator=(const web_server&) = delete;

  /// The page's address, with its token when one is required.
  std::string url() const;
  int port() const;

  void start();
  /// Stops serving once the open streams have sent what the hub holds: each
  /// ends within a second of having nothing more to send, and a page that
  /// stopped reading is cut off after 3 s (idempotent).
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace murmur::dashboard
