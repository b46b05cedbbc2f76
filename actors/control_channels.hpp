#pragma once

#include "actors/live.hpp"
#include "core/config/config.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace murmur {

/// Live command channels of a real-clock run: lines from stdin and/or from
/// `murmur ctl` over TCP on 127.0.0.1, each forwarded to the controller and
/// answered with its one-line reply. The port is bound when the channels
/// are opened, before the run creates anything, so a taken port fails first;
/// serving starts once the run's controller exists. Closing (or
/// destruction) stops the threads.
class control_channels : public live_service {
public:
  /// Binds control.port; throws input_error naming it when it cannot.
  explicit control_channels(const control_section& cfg);
  ~control_channels() override;

  control_channels(const control_channels&) = delete;
  control_channels& operator=(const control_channels&) = delete;

  /// Starts answering commands with the run's controller's replies.
  void serve(const live_run& run) override;

  /// Stops serving (idempotent); the port is released.
  void close() override;

private:
  void serve_console();
  void serve_socket();
  std::string ask(const std::string& line, const std::string& source);

  bool console_;
  int listener_ = -1;
  caf::actor_system* sys_ = nullptr;
  caf::actor controller_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

/// Sends a live command line to the run's controller from a thread outside
/// the actors (real clock only) and returns its one-line reply, waiting 10 s
/// at most; `source` names the channel in events.csv.
std::string ask_controller(caf::actor_system& sys, const caf::actor& controller,
                           const std::string& line, const std::string& source);

/// Opens what `cfg` asks for (null, when neither is set).
std::unique_ptr<control_channels>
open_control_channels(const control_section& cfg);

/// The client side of `murmur ctl`: sends one command line to a run on
/// 127.0.0.1:port and returns its reply. Throws std::runtime_error when no
/// run answers.
std::string send_control_command(int port, const std::string& line);

} // namespace murmur
