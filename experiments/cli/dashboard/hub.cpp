#include "experiments/cli/dashboard/hub.hpp"

#include <cmath>

namespace murmur::dashboard {

namespace {

/// The message log keeps at most this many bytes; a page further behind
/// reloads its snapshot.
constexpr std::size_t max_log_bytes = 8 << 20;

/// Busy seconds as the page shows them (ms), so idle agents compare equal.
double rounded(double seconds) {
  return std::round(seconds * 1e3) / 1e3;
}

} // namespace

agent_state classify(const agent_sample& s) {
  using reach = agent_sample::reach;
  auto& st = s.status;
  if (s.reached == reach::unreachable)
    return agent_state::lost;
  if (s.reached == reach::busy)
    return agent_state::computing;
  if (s.reached == reach::gone || st.killed ||
      st.activity == agent_activity::offline)
    return agent_state::offline;
  if (st.paused)
    return agent_state::paused;
  if (st.slowdown != 1 || st.extra_delay > 0)
    return agent_state::slowed;
  return st.activity == agent_activity::computing ? agent_state::computing
                                                  : agent_state::waiting;
}

hub::hub(nlohmann::json page) : page_(std::move(page)) {
  auto names = nlohmann::json::array();
  for (auto& [name, value] : names_of(agent_state{}))
    names.push_back(name);
  page_["states"] = names;
}

void hub::push(const std::string& event, const nlohmann::json& data) {
  auto seq = ++seq_;
  auto text = "id: " + std::to_string(seq) + "\nevent: " + event +
              "\ndata: " + data.dump() + "\n\n";
  log_bytes_ += text.size();
  log_.push_back({seq, std::move(text)});
  while (log_.size() > 1 && log_bytes_ > max_log_bytes) {
    log_bytes_ -= log_.front().text.size();
    log_.pop_front();
  }
  arrived_.notify_all();
}

void hub::add_row(std::size_t run, std::string csv_line) {
  std::lock_guard<std::mutex> guard{mtx_};
  page_["runs"][run]["rows"].push_back(csv_line);
  push("row", {{"run", run}, {"line", std::move(csv_line)}});
}

void hub::add_event(std::size_t run, nlohmann::json entry) {
  std::lock_guard<std::mutex> guard{mtx_};
  page_["runs"][run]["events"].push_back(entry);
  push("log", {{"run", run}, {"entry", std::move(entry)}});
}

nlohmann::json hub::agents_json(const std::vector<std::size_t>* ids) const {
  nlohmann::json out{{"t", agents_time_}};
  auto column = [&](const char* name, const auto& values) {
    auto col = nlohmann::json::array();
    if (!ids)
      col = values;
    else
      for (auto i : *ids)
        col.push_back(values[i]);
    out[name] = std::move(col);
  };
  out["ids"] = ids ? nlohmann::json(*ids) : nlohmann::json(nullptr);
  column("state", state_);
  column("steps", steps_);
  column("round", round_);
  column("busy", busy_);
  column("role", role_);
  return out;
}

void hub::set_agents(const std::vector<agent_sample>& samples, double seconds) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto n = samples.size();
  bool fresh = !have_agents_ || state_.size() != n;
  if (fresh) {
    state_.assign(n, 0);
    steps_.assign(n, 0);
    round_.assign(n, 0);
    busy_.assign(n, 0);
    role_.assign(n, 0);
  }
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < n; ++i) {
    auto& st = samples[i].status;
    auto state = static_cast<std::uint8_t>(classify(samples[i]));
    auto role = static_cast<std::uint8_t>(st.role);
    // A silent agent keeps its last known counters.
    bool answered = samples[i].reached == agent_sample::reach::answered;
    auto steps = answered ? st.steps : steps_[i];
    auto round = answered ? st.round : round_[i];
    auto busy = answered ? rounded(st.busy_seconds) : busy_[i];
    if (fresh || state != state_[i] || steps != steps_[i] ||
        round != round_[i] || busy != busy_[i] || role != role_[i])
      changed.push_back(i);
    state_[i] = state;
    steps_[i] = steps;
    round_[i] = round;
    busy_[i] = busy;
    role_[i] = role;
  }
  have_agents_ = true;
  agents_time_ = seconds;
  // Past half the agents, every column in full is the smaller message.
  bool whole = 2 * changed.size() > n;
  push("agents", agents_json(whole ? nullptr : &changed));
}

void hub::set_clock(const pacer::state& clock) {
  nlohmann::json now{{"paused", clock.paused},
                     {"stalled", clock.stalled},
                     {"speed", clock.speed},
                     {"now", std::round(clock.now * 1e3) / 1e3}};
  std::lock_guard<std::mutex> guard{mtx_};
  if (now == clock_)
    return;
  clock_ = now;
  push("clock", now);
}

void hub::set_agents_table(std::size_t run, nlohmann::json table) {
  std::lock_guard<std::mutex> guard{mtx_};
  page_["runs"][run]["agents_table"] = table;
  push("agents_table", {{"run", run}, {"table", std::move(table)}});
}

void hub::end(nlohmann::json outcome) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (ended_)
    return;
  ended_ = true;
  page_["end"] = outcome;
  push("end", outcome);
}

nlohmann::json hub::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto out = page_;
  out["agents"] = have_agents_ ? agents_json(nullptr) : nullptr;
  out["pacer"] = clock_.is_null() ? nlohmann::json(nullptr) : clock_;
  out["seq"] = seq_;
  return out;
}

hub::follow_result hub::follow(std::uint64_t& seq, std::string& out,
                               std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock{mtx_};
  if (seq > seq_)
    return follow_result::reload; // a position from another server
  arrived_.wait_for(lock, limit, [&] { return seq_ > seq || ended_; });
  if (seq < seq_) {
    // Sequence numbers in the log are consecutive.
    auto first = log_.front().seq;
    if (first > seq + 1)
      return follow_result::reload;
    for (auto i = seq + 1 - first; i < log_.size(); ++i)
      out += log_[i].text;
  }
  seq = seq_;
  return ended_ ? follow_result::over : follow_result::more;
}

hub::watcher::watcher(hub& h) : hub_(h) {
  std::lock_guard<std::mutex> guard{hub_.mtx_};
  ++hub_.watchers_;
}

hub::watcher::~watcher() {
  std::lock_guard<std::mutex> guard{hub_.mtx_};
  --hub_.watchers_;
}

std::size_t hub::watchers() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return watchers_;
}

} // namespace murmur::dashboard
