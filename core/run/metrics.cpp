#include "core/run/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace murmur {

std::vector<agent_id> evaluated_agents(std::size_t agents,
                                       std::size_t max_agents) {
  std::vector<agent_id> ids;
  auto count = max_agents == 0 ? agents : std::min(agents, max_agents);
  for (std::size_t k = 0; k < count; ++k)
    ids.push_back(static_cast<agent_id>(k * agents / count));
  return ids;
}

metrics_row evaluate_round(const experiment& exp, round_t round,
                           const std::vector<agent_report>& reports) {
  metrics_row row;
  row.round = round;
  vec average = vec::Zero(static_cast<Eigen::Index>(exp.num_params()));
  std::size_t present = 0;
  for (auto& r : reports) {
    row.bytes_sent += r.bytes_sent;
    row.messages_sent += r.messages_sent;
    row.messages_delivered += r.messages_delivered;
    row.local_steps += r.steps;
    row.compute_seconds += r.busy_seconds;
    if (!r.model)
      continue;
    ++row.online_agents;
    average += *r.model;
    row.train_loss += r.train_loss;
    ++present;
  }
  auto ids = evaluated_agents(reports.size(), exp.cfg.eval.max_agents);
  row.agent_accuracy.assign(ids.size(), std::nan(""));
  if (present == 0)
    return row; // everyone offline: nothing to evaluate
  average /= static_cast<float>(present);
  row.train_loss /= static_cast<double>(present);
  for (auto& r : reports)
    if (r.model)
      row.consensus_distance += (*r.model - average).squaredNorm();
  row.consensus_distance /= static_cast<double>(present);
  auto test = whole(exp.test);
  auto avg = exp.net->evaluate({average.data(), average.size()}, test);
  row.test_accuracy = avg.accuracy;
  row.test_loss = avg.loss;
  row.min_agent_accuracy = std::numeric_limits<double>::infinity();
  std::size_t evaluated = 0;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (!reports[ids[k]].model)
      continue;
    auto& x = *reports[ids[k]].model;
    auto acc = exp.net->evaluate({x.data(), x.size()}, test).accuracy;
    row.agent_accuracy[k] = acc;
    row.mean_agent_accuracy += acc;
    row.min_agent_accuracy = std::min(row.min_agent_accuracy, acc);
    ++evaluated;
  }
  row.mean_agent_accuracy /=
    static_cast<double>(std::max<std::size_t>(1, evaluated));
  if (evaluated == 0)
    row.min_agent_accuracy = 0;
  return row;
}

void write_csv_header(std::ostream& out) {
  out << "round,time_seconds,train_loss,test_accuracy,test_loss,"
         "mean_agent_accuracy,min_agent_accuracy,consensus_distance,"
         "bytes_sent,messages_sent,messages_delivered,local_steps,"
         "compute_seconds,online_agents,busiest_link_utilisation\n";
}

void write_csv_row(std::ostream& out, const metrics_row& row) {
  // %.9g keeps every float-derived digit, so reruns compare byte for byte.
  char buf[512];
  std::snprintf(
    buf, sizeof buf,
    "%llu,%.3f,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%llu,%llu,%llu,%llu,%.3f,%llu,"
    "%.6f\n",
    static_cast<unsigned long long>(row.round), row.time_seconds,
    row.train_loss, row.test_accuracy, row.test_loss, row.mean_agent_accuracy,
    row.min_agent_accuracy, row.consensus_distance,
    static_cast<unsigned long long>(row.bytes_sent),
    static_cast<unsigned long long>(row.messages_sent),
    static_cast<unsigned long long>(row.messages_delivered),
    static_cast<unsigned long long>(row.local_steps), row.compute_seconds,
    static_cast<unsigned long long>(row.online_agents),
    row.busiest_link_utilisation);
  out << buf;
}

void write_agent_accuracy_header(std::ostream& out,
                                 const std::vector<agent_id>& agents) {
  out << "round";
  for (auto id : agents)
    out << ",agent_" << id;
  out << '\n';
}

void write_agent_accuracy_row(std::ostream& out, const metrics_row& row) {
  char buf[32];
  out << row.round;
  for (double acc : row.agent_accuracy) {
    std::snprintf(buf, sizeof buf, ",%.9g", acc);
    out << buf;
  }
  out << '\n';
}

} // namespace murmur
