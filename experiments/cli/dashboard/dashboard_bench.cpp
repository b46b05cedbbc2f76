#include "experiments/cli/dashboard/dashboard_bench.hpp"

#include "actors/system.hpp"
#include "experiments/cli/dashboard/live_dashboard.hpp"

#include <httplib.h>

#include <tbb/global_control.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>

namespace murmur::dashboard {

namespace {

/// A page's traffic: the snapshot, then the stream until the run ends.
struct page_reader {
  std::atomic<std::size_t> bytes{0};
  std::atomic<std::size_t> agent_messages{0};
  std::thread thread;

  explicit page_reader(int port) {
    thread = std::thread{[this, port] {
      httplib::Client client{"127.0.0.1", port};
      client.set_read_timeout(5, 0);
      auto init = client.Get("/api/init");
      if (!init || init->status != 200)
        return;
      bytes += init->body.size();
      auto seq = nlohmann::json::parse(init->body).value("seq", 0);
      client.Get("/api/stream?since=" + std::to_string(seq),
                 [this](const char* data, std::size_t n) {
                   bytes += n;
                   std::string_view chunk{data, n};
                   // Chunks end at messages: the server writes whole ones.
                   for (auto at = chunk.find("event: agents\n");
                        at != std::string_view::npos;
                        at = chunk.find("event: agents\n", at + 1))
                     ++agent_messages;
                   return true;
                 });
    }};
  }
  /// Waits until the stream has ended.
  void join() {
    if (thread.joinable())
      thread.join();
  }
  ~page_reader() { join(); }
};

/// The bench reads no metrics.
struct discard_rows : metrics_sink {
  void on_row(const metrics_row&) override {}
};

} // namespace

void bench_dashboard(run_config cfg, const bench_options& opts,
                     std::ostream& out) {
  cfg.clock.kind = clock_kind::real;
  auto plain = bench_config(cfg, opts);
  auto watched = plain;
  watched.dashboard.listen = "127.0.0.1:0";
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            tbb_threads(plain.clock.kind, opts.threads)};
  discard_rows ignore;
  std::vector<double> plain_s, watched_s;
  std::size_t page_bytes = 0, samples = 0;
  for (int k = 0; k < std::max(1, opts.repeat); ++k) {
    plain_s.push_back(
      timed_run(*build_experiment(plain), ignore, opts.threads).wall);
    auto exp = build_experiment(watched);
    std::optional<live_dashboard> page;
    page.emplace(watched, *exp);
    page_reader reader{page->port()};
    watched_s.push_back(
      timed_run(*exp, page->feed(ignore), opts.threads, &*page).wall);
    page.reset(); // ends the stream
    reader.join();
    page_bytes = reader.bytes;
    samples = reader.agent_messages;
  }
  double best_plain = *std::min_element(plain_s.begin(), plain_s.end());
  double best_watched = *std::min_element(watched_s.begin(), watched_s.end());
  char line[1024];
  std::snprintf(
    line, sizeof line,
    "dashboard bench: %llu agents, %d threads, %llu rounds, real clock, best "
    "of %zu\n"
    "  without dashboard:       %8.3f s  (runs: %s)\n"
    "  with a page following:   %8.3f s  (runs: %s)\n"
    "  overhead:                %8.2f %%\n"
    "  the page received:       %zu agent samples, %.1f KiB in the last run\n",
    static_cast<unsigned long long>(plain.run.agents), opts.threads,
    static_cast<unsigned long long>(plain.run.rounds), plain_s.size(),
    best_plain, seconds_list(plain_s).c_str(), best_watched,
    seconds_list(watched_s).c_str(), 100 * (best_watched / best_plain - 1),
    samples, page_bytes / 1024.0);
  out << line;
}

} // namespace murmur::dashboard
