#pragma once

#include "actors/live.hpp"
#include "actors/pacer.hpp"
#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"
#include "core/run/outcome.hpp"
#include "experiments/cli/dashboard/hub.hpp"
#include "experiments/cli/dashboard/web_server.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace murmur::dashboard {

/// `murmur run --dashboard`: the live web view of a run. Its port is bound
/// when it is opened, before the run creates anything, and the page is
/// served from then on. The run feeds it rows and events through feed()
/// (a metrics_sink decorator), and once its actors exist (serve) a sampler
/// actor reports every agent's state at a bounded rate, pushed to the page
/// as deltas by server-sent events; the HTTP server runs on its own threads
/// and never makes an actor wait. Commands from the page go to the run's
/// controller like `murmur ctl`'s, with source `dashboard`. Under the
/// virtual clock everything that touches the actors goes through the pacer,
/// which also pauses, steps and paces the run.
class live_dashboard : public live_service, private controls {
public:
  /// Binds cfg.dashboard.listen; throws input_error naming it when it
  /// cannot.
  live_dashboard(const run_config& cfg, const experiment& exp);
  ~live_dashboard() override;

  /// The page's address (printed at start, with the token it requires).
  std::string url() const { return server_.url(); }
  int port() const { return server_.port(); }

  /// Forwards everything to `inner` (the run's results), then to the page.
  metrics_sink& feed(metrics_sink& inner);

  void serve(const live_run& run) override;
  void close() override;
  pacer* pace() override { return pacer_ ? &*pacer_ : nullptr; }

  /// The run is over, its folder final: the page shows how it ended and
  /// its agents.csv; streams then end.
  void finished(const std::filesystem::path& folder, const run_outcome& end);

private:
  class feed_sink : public metrics_sink {
  public:
    feed_sink(metrics_sink& inner, live_dashboard& d) : inner_(inner), d_(d) {}
    void on_row(const metrics_row& row) override;
    void on_agents(const std::vector<agent_report>& reports) override;
    void on_event(double t, const std::string& source, const std::string& text,
                  const std::string& result) override;

  private:
    metrics_sink& inner_;
    live_dashboard& d_;
  };

  std::string command(const std::string& line) override;
  bool clock(clock_action action, double speed) override;
  /// Runs `work` where the actors may be touched: on the loop thread
  /// through the pacer (virtual clock), here otherwise. False when the run
  /// is not being served.
  bool
  touch(std::function<void(caf::actor_system&, const caf::actor& controller,
                           const caf::actor& sampler)>
          work);
  void tick_loop(double seconds);

  hub hub_;
  std::optional<pacer> pacer_;
  web_server server_;
  std::optional<feed_sink> feed_;
  std::mutex asking_; ///< held by a real-clock command under way
  std::mutex mtx_;    ///< guards what serve() sets and close() clears
  caf::actor_system* sys_ = nullptr;
  caf::actor controller_;
  caf::actor sampler_;
  double sample_seconds_;
  std::condition_variable stop_ticks_;
  bool ticking_ = false;
  std::thread ticker_;
};

/// The dashboard `cfg` asks for (null when dashboard.listen is empty),
/// bound and serving the page; prints its address.
std::unique_ptr<live_dashboard> open_dashboard(const run_config& cfg,
                                               const experiment& exp);

} // namespace murmur::dashboard
