#include "core/run/lockstep.hpp"

#include "core/algorithms/transfers.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <numeric>

namespace murmur {

namespace {

template <class F>
void for_each_agent(std::size_t n, F f) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (auto i = r.begin(); i != r.end(); ++i)
                        f(static_cast<agent_id>(i));
                    });
}

const payload& addressed_to(const outbox& box, const neighbourhood& sender,
                            agent_id receiver) {
  if (!box.per_neighbour)
    return box.items.front();
  auto& out = *sender.out;
  auto pos = std::lower_bound(out.begin(), out.end(), receiver) - out.begin();
  return box.items[static_cast<std::size_t>(pos)];
}

} // namespace

lockstep::lockstep(experiment& exp)
  : exp_(exp), out_(exp.agents()), in_(exp.agents()), bytes_(exp.agents(), 0),
    messages_(exp.agents(), 0), delivered_(exp.agents(), 0),
    wire_(exp.agents()), compute_(exp.agents()),
    ledger_(exp.cost->links(), exp.agents()) {
  slots_.reserve(exp.agents());
  for (agent_id i = 0; i < exp.agents(); ++i)
    slots_.push_back(make_agent(exp, i));
  // Only an algorithm with a deadline asks who misses it.
  if (!slots_.empty() && slots_.front().algo->deadline() > 0)
    for (agent_id i = 0; i < exp.agents(); ++i)
      paces_.emplace_back(exp.cfg.stragglers, i, exp.cfg.seed);
}

void lockstep::run_round() {
  auto k = round_;
  for_each_agent(slots_.size(), [&](agent_id i) {
    auto hood = exp_.hood(i, k);
    auto& [ctx, algo] = slots_[i];
    compute_[i] = algo->gradients_in_round(k) * exp_.cost->step_seconds(i);
    if (!paces_.empty())
      compute_[i] = plan_round_compute(*algo, paces_[i], compute_[i], k);
    algo->before_send(ctx, k, hood);
    out_[i] = algo->publish(ctx, k, hood);
    wire_[i] = planned_transfers(out_[i], hood);
    bytes_[i] += transfer_bytes(wire_[i]);
    messages_[i] += hood.out->size();
    algo->while_waiting(ctx, k, hood);
  });
  for_each_agent(slots_.size(), [&](agent_id i) {
    auto hood = exp_.hood(i, k);
    auto& box = in_[i];
    box.clear();
    for (auto from : *hood.in) {
      // A lost message was sent (its bytes are on the wire) but leaves an
      // empty slot, as in the actors' mailers.
      if (exp_.message_lost(from, i, k)) {
        box.push_back({from, payload{}});
        continue;
      }
      box.push_back({from, addressed_to(out_[from], exp_.hood(from, k), i)});
      ++delivered_[i];
    }
    auto& [ctx, algo] = slots_[i];
    algo->combine(ctx, k, hood, box);
  });
  if (!slots_.empty())
    advance_time(slots_.front().algo->compute_phase());
  for_each_agent(slots_.size(), [&](agent_id i) {
    out_[i].items.clear();
    in_[i].clear();
  });
  ++round_;
}

void lockstep::advance_time(algorithm::phase phase) {
  double end = time_;
  for (auto c : compute_)
    end = std::max(end, time_ + c);
  if (ledger_.instant()) {
    for (agent_id i = 0; i < wire_.size(); ++i)
      for (auto& t : wire_[i])
        ledger_.count_instant(i, t.to, t.bytes);
    time_ = end;
    return;
  }
  // Agents whose transfers leave first start first (ties by id): the flow
  // model's calls never go back in time.
  std::vector<agent_id> order(wire_.size());
  std::iota(order.begin(), order.end(), agent_id{0});
  auto leaves = [&](agent_id i) {
    return time_ + (phase == algorithm::phase::before_send ? compute_[i] : 0);
  };
  std::stable_sort(order.begin(), order.end(), [&](agent_id a, agent_id b) {
    return leaves(a) < leaves(b);
  });
  auto& links = exp_.cost->links();
  time_ = ledger_.drive([&](flow_network& flows) {
    for (auto i : order) {
      double t = std::max(leaves(i), flows.time());
      for (auto& d : flows.advance(t))
        end = std::max(end, d.finished);
      for (auto& w : wire_[i])
        flows.start(t, i, w.to, w.bytes, w.hops * links.latency(i, w.to));
    }
    while (flows.in_flight() > 0)
      for (auto& d : flows.advance(flows.next_event()))
        end = std::max(end, d.finished);
    return end;
  });
}

std::vector<agent_report> lockstep::reports() {
  std::vector<agent_report> result;
  result.reserve(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto& ctx = slots_[i].ctx;
    agent_report r{ctx.shared_model(), ctx.take_loss().first, bytes_[i],
                   ctx.steps()};
    r.messages_sent = messages_[i];
    r.messages_delivered = delivered_[i];
    result.push_back(r);
  }
  return result;
}

} // namespace murmur
