#pragma once

#include "actors/live_sampler.hpp"
#include "actors/pacer.hpp"
#include "core/base/schema.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace murmur::dashboard {

/// An agent's state as the page colours it, from the most to the least
/// telling: a lost host hides everything else, a slowed agent's computing
/// and waiting are shown as slowed.
enum class agent_state : std::uint8_t {
  computing,
  waiting,
  slowed,
  paused,
  offline, ///< churned out, or killed
  lost,    ///< its host was lost (silent)
};

inline const enum_names<agent_state>& names_of(agent_state) {
  static const enum_names<agent_state> n{
    {"computing", agent_state::computing}, {"waiting", agent_state::waiting},
    {"slowed", agent_state::slowed},       {"paused", agent_state::paused},
    {"offline", agent_state::offline},     {"lost", agent_state::lost}};
  return n;
}

agent_state classify(const agent_sample& s);

/// The state behind the page, shared by the run, which pushes rows, events,
/// agents' samples and the pacer's state, and the web server's threads,
/// which read a snapshot and then follow the messages after it. Every
/// message has a sequence number; the snapshot says up to which one it
/// holds. Agents' samples go out as deltas (only the agents that changed).
/// Thread-safe; pushing never waits for a page's network I/O (only for
/// the lock, held while a snapshot or a batch of messages is copied), and a
/// page that falls too
/// far behind the bounded message log is told to reload.
class hub {
public:
  /// `page`: what the page shows from the start (`mode`, `clock`, `graph`,
  /// and `runs`, each with its `header` and empty `rows` and `events`).
  explicit hub(nlohmann::json page);

  // The run's side.

  /// One metrics.csv line of run `run` (without its newline).
  void add_row(std::size_t run, std::string csv_line);
  /// One events.csv entry: [time_seconds, source, command, result].
  void add_event(std::size_t run, nlohmann::json entry);
  void set_agents(const std::vector<agent_sample>& samples, double seconds);
  void set_clock(const pacer::state& clock);
  /// agents.csv of run `run`: {"columns": [...], "rows": [[...], ...]}.
  void set_agents_table(std::size_t run, nlohmann::json table);
  /// The run is over (`outcome` says how); streams end once it is sent.
  void end(nlohmann::json outcome);

  // The page's side.

  nlohmann::json snapshot() const;

  enum class follow_result { more, reload, over };
  /// Waits at most `limit` for messages after `seq`, appends them to `out`
  /// as server-sent events and advances `seq`. `reload`: messages after
  /// `seq` were dropped, the page must take a new snapshot; `over`: the run
  /// ended and everything was sent.
  follow_result follow(std::uint64_t& seq, std::string& out,
                       std::chrono::milliseconds limit);

  /// Pages following the stream now (RAII: one per stream).
  class watcher {
  public:
    explicit watcher(hub& h);
    ~watcher();
    watcher(const watcher&) = delete;
    watcher& operator=(const watcher&) = delete;

  private:
    hub& hub_;
  };
  std::size_t watchers() const;

private:
  struct message {
    std::uint64_t seq;
    std::string text;
  };
  /// Appends a message (lock held).
  void push(const std::string& event, const nlohmann::json& data);
  nlohmann::json agents_json(const std::vector<std::size_t>* ids) const;

  mutable std::mutex mtx_;
  std::condition_variable arrived_;
  nlohmann::json page_;
  std::deque<message> log_;
  std::size_t log_bytes_ = 0;
  std::uint64_t seq_ = 0;
  bool ended_ = false;
  std::size_t watchers_ = 0;
  // The agents' last sample, column by column.
  double agents_time_ = 0;
  bool have_agents_ = false;
  std::vector<std::uint8_t> state_;
  std::vector<std::uint64_t> steps_;
  std::vector<std::uint64_t> round_;
  std::vector<double> busy_;
  std::vector<std::uint8_t> role_;
  nlohmann::json clock_;
};

} // namespace murmur::dashboard
