#include "core/metrics.hpp"

#include <algorithm>
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
  auto n = reports.size();
  vec average = vec::Zero(static_cast<Eigen::Index>(exp.num_params()));
  for (auto& r : reports) {
    average += *r.model;
    row.train_loss += r.train_loss;
    row.bytes_sent += r.bytes_sent;
  }
  average /= static_cast<float>(n);
  row.train_loss /= static_cast<double>(n);
  for (auto& r : reports)
    row.consensus_distance += (*r.model - average).squaredNorm();
  row.consensus_distance /= static_cast<double>(n);
  auto test = whole(exp.test);
  auto avg = exp.net->evaluate({average.data(), average.size()}, test);
  row.test_accuracy = avg.accuracy;
  row.test_loss = avg.loss;
  row.min_agent_accuracy = std::numeric_limits<double>::infinity();
  auto ids = evaluated_agents(n, exp.cfg.eval.max_agents);
  for (auto id : ids) {
    auto& x = *reports[id].model;
    auto acc = exp.net->evaluate({x.data(), x.size()}, test).accuracy;
    row.mean_agent_accuracy += acc;
    row.min_agent_accuracy = std::min(row.min_agent_accuracy, acc);
  }
  row.mean_agent_accuracy /= static_cast<double>(ids.size());
  return row;
}

void write_csv_header(std::ostream& out) {
  out << "round,wall_seconds,train_loss,test_accuracy,test_loss,"
         "mean_agent_accuracy,min_agent_accuracy,consensus_distance,"
         "bytes_sent\n";
}

void write_csv_row(std::ostream& out, const metrics_row& row) {
  // %.9g keeps every float-derived digit, so reruns compare byte for byte.
  char buf[512];
  std::snprintf(
    buf, sizeof buf, "%llu,%.3f,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%llu\n",
    static_cast<unsigned long long>(row.round), row.wall_seconds,
    row.train_loss, row.test_accuracy, row.test_loss, row.mean_agent_accuracy,
    row.min_agent_accuracy, row.consensus_distance,
    static_cast<unsigned long long>(row.bytes_sent));
  out << buf;
}

} // namespace murmur
