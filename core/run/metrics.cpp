#include "core/run/metrics.hpp"

#include "core/run/held_models.hpp"

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
  held_models held;
  for (std::size_t i = 0; i < reports.size(); ++i)
    if (reports[i].model)
      held.add(static_cast<agent_id>(i), reports[i].model);
  round_parts parts{exp};
  parts.add(summarize(exp, held));
  parts.average = partial_sum(exp, held, parts.exponents).mean(held.ids.size());
  parts.add_distances(held.ids, squared_distances(held, parts.average));
  return complete_row(exp, round, reports, parts);
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
