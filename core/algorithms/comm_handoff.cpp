#include "core/algorithms/comm_handoff.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

namespace murmur {

namespace {

struct handed_off {
  graph first_phase;
  std::vector<double> values;
};

std::mutex& handoff_mutex() {
  static std::mutex m;
  return m;
}

std::map<std::string, handed_off>& handoffs() {
  static std::map<std::string, handed_off> table;
  return table;
}

bool matches(const graph& g, agent_id self, const neighbourhood& hood) {
  return self < g.size() && g.in[self] == *hood.in && g.out[self] == *hood.out;
}

} // namespace

void hand_off(const std::string& algorithm, const topology& comm,
              std::vector<double> values) {
  std::lock_guard<std::mutex> lock{handoff_mutex()};
  handoffs()[algorithm] = {comm.phases.front(), std::move(values)};
}

std::vector<double> take_over(const std::string& algorithm, agent_id self,
                              const neighbourhood& hood) {
  std::lock_guard<std::mutex> lock{handoff_mutex()};
  auto i = handoffs().find(algorithm);
  if (i == handoffs().end() || !matches(i->second.first_phase, self, hood))
    throw std::logic_error(
      algorithm + ": agent " + std::to_string(self) +
      " runs on a graph other than the one its factory last built; build and "
      "run one experiment at a time, or set the graph-derived options "
      "explicitly");
  return i->second.values;
}

} // namespace murmur
