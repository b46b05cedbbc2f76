#pragma once

#include "core/algorithms/agent_context.hpp"
#include "core/run/experiment.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace murmur {

/// One line of metrics.csv.
struct metrics_row {
  round_t round = 0;        ///< rounds completed
  double time_seconds = 0;  ///< since the start, on the run's clock
  double train_loss = 0;    ///< mean minibatch loss since the last row
  double test_accuracy = 0; ///< of the average model
  double test_loss = 0;     ///< of the average model
  double mean_agent_accuracy = 0;
  double min_agent_accuracy = 0;
  double consensus_distance = 0;        ///< mean ||x_i - x_bar||^2
  std::uint64_t bytes_sent = 0;         ///< all agents, cumulative
  std::uint64_t messages_sent = 0;      ///< deliveries attempted, cumulative
  std::uint64_t messages_delivered = 0; ///< arrivals used, cumulative
  std::uint64_t local_steps = 0;        ///< gradient steps, all agents
  /// Modelled compute seconds of all agents, cumulative ("training
  /// resources").
  double compute_seconds = 0;
  std::uint64_t online_agents = 0; ///< agents online (reporting a model)
  /// The share of its capacity the most used link (any agent's uplink or
  /// downlink) carried since the previous row (0 on unlimited links).
  double busiest_link_utilisation = 0;
  /// Test accuracy of each agent of evaluated_agents(agents,
  /// eval.max_agents), in that order; NaN for an agent without a model.
  /// Empty when no agent's own model is evaluated (Plexus: one lineage).
  std::vector<double> agent_accuracy;
};

/// What every agent reports after an evaluated round.
struct agent_report {
  blob model; ///< null: the agent is gone (killed), or see model_on_node
  double train_loss = 0; ///< mean over the steps since its last report
  std::uint64_t bytes_sent = 0;
  std::uint64_t steps = 0; ///< local gradient steps so far
  double busy_seconds = 0; ///< computing, on the run's clock
  double idle_seconds = 0; ///< waiting for neighbours
  /// Deliveries this agent's messages attempted (one per receiver), and
  /// arrivals it used for mixing (lost and, asynchronously, dropped ones
  /// not counted).
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  bool online = true; ///< churn: whether the agent is online now
  /// Across hosts: the model stayed on the agent's node, which evaluates it
  /// there (actors/model_holder.hpp); the report carries only the numbers.
  bool model_on_node = false;
  /// Filled by the observer from the run's network model.
  std::uint64_t bytes_received = 0; ///< through its downlink
  double network_seconds = 0; ///< with >= 1 transfer from or to it in flight

  /// Whether the agent had a model this round (it is not gone or offline).
  bool has_model() const { return model || model_on_node; }
};

/// Evaluates one round from the agents' reports (indexed by agent id; agents
/// that are gone have no model and are left out): the average model (an
/// order-free sum, core/run/model_sum.hpp), consensus distance, and
/// per-agent test accuracy on up to eval.max_agents evenly spaced agents.
/// Every model is in `reports`; core/run/held_models.hpp has the same
/// evaluation in parts for models held in other processes.
metrics_row evaluate_round(const experiment& exp, round_t round,
                           const std::vector<agent_report>& reports);

/// Agents whose own models are evaluated (evenly spaced, deterministic).
std::vector<agent_id> evaluated_agents(std::size_t agents,
                                       std::size_t max_agents);

void write_csv_header(std::ostream& out);
void write_csv_row(std::ostream& out, const metrics_row& row);

/// agent_accuracy.csv: `round`, then one column `agent_<id>` per evaluated
/// agent, so a report can average each agent over evaluations before taking
/// the minimum over agents.
void write_agent_accuracy_header(std::ostream& out,
                                 const std::vector<agent_id>& agents);
void write_agent_accuracy_row(std::ostream& out, const metrics_row& row);

} // namespace murmur

namespace murmur {

/// Receives metrics rows in round order as a run produces them. When the run
/// stops is the runtime's decision (core/run/outcome.hpp), not the sink's.
class metrics_sink {
public:
  virtual ~metrics_sink() = default;
  virtual void on_row(const metrics_row& row) = 0;

  /// The agents' last reports, once the run is over.
  virtual void on_agents(const std::vector<agent_report>&) {}

  /// A straggler injection or fault, as it happened.
  virtual void on_event(double /*time_seconds*/, const std::string& /*source*/,
                        const std::string& /*text*/,
                        const std::string& /*result*/) {}
};

/// Wraps the sink a run writes to: a sink that throws (e.g. a write failed
/// on a full disk) fails the run through `fail` with its one-line reason,
/// instead of taking down the actor that called it; after that, nothing
/// more is handed over.
class guarded_sink : public metrics_sink {
public:
  guarded_sink(metrics_sink& inner, std::function<void(std::string)> fail)
    : inner_(inner), fail_(std::move(fail)) {}

  void on_row(const metrics_row& row) override {
    guard([&] { inner_.on_row(row); });
  }
  void on_agents(const std::vector<agent_report>& reports) override {
    guard([&] { inner_.on_agents(reports); });
  }
  void on_event(double t, const std::string& source, const std::string& text,
                const std::string& result) override {
    guard([&] { inner_.on_event(t, source, text, result); });
  }

private:
  template <class F>
  void guard(F f) {
    if (failed_)
      return;
    try {
      f();
    } catch (const std::exception& e) {
      failed_ = true;
      fail_(e.what());
    }
  }

  metrics_sink& inner_;
  std::function<void(std::string)> fail_;
  std::atomic<bool> failed_{false};
};

} // namespace murmur
