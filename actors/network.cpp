#include "actors/network.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<network_state>*;

double now_seconds(self_ptr self) {
  return self->state.env->seconds(self->clock().now());
}

/// Lets the model catch up with `now` and delivers what completed.
void settle(self_ptr self, double now) {
  auto& s = self->state;
  s.env->ledger->drive([&](flow_network& flows) {
    for (auto& done : flows.advance(std::max(now, flows.time()))) {
      auto& c = s.in_flight[flow_network::place(done.id)];
      if (c.id != done.id) // a place reused before its flow was reported
        throw std::logic_error("network: transfer of flow " +
                               std::to_string(done.id) + " lost its place");
      for (auto j : c.request.deliver)
        self->send((*s.directory)[j], c.request.msg);
      c = carried_transfer{};
    }
  });
}

/// Asks to be woken at the model's next event, unless an earlier wake-up is
/// already due.
void schedule_wake(self_ptr self, double now) {
  auto& s = self->state;
  double next = s.env->ledger->drive(
    [](flow_network& flows) { return flows.next_event(); });
  if (!(next < s.wake_at))
    return;
  s.wake_at = next;
  self->delayed_send(self, to_timespan(std::max(0.0, next - now)),
                     wake_atom::value, ++s.wake_token);
}

/// Gives the sender of `r` back the bytes that never left (it was charged
/// the full size when it sent).
void refund(self_ptr self, const transfer_request& r, std::uint64_t unsent) {
  if (unsent > 0)
    self->send((*self->state.directory)[r.from], refund_atom::value, unsent);
}

void start_batch(self_ptr self) {
  auto& s = self->state;
  auto now = now_seconds(self);
  settle(self, now);
  // A transfer to an agent that is offline fails at once, as a connection
  // to a host that is gone: it takes no capacity and sends no bytes.
  auto reachable = std::stable_partition(
    s.batch.begin(), s.batch.end(),
    [&](const transfer_request& r) { return !s.offline[r.to]; });
  for (auto r = reachable; r != s.batch.end(); ++r)
    refund(self, *r, r->bytes);
  s.batch.erase(reachable, s.batch.end());
  std::sort(s.batch.begin(), s.batch.end(),
            [](const transfer_request& a, const transfer_request& b) {
              return std::tie(a.from, a.to, a.seq) <
                     std::tie(b.from, b.to, b.seq);
            });
  auto& links = s.env->ledger->links();
  s.env->ledger->drive([&](flow_network& flows) {
    auto t = std::max(now, flows.time());
    for (auto& r : s.batch) {
      double latency = r.hops * links.latency(r.from, r.to);
      auto id = flows.start(t, r.from, r.to, r.bytes, latency);
      auto place = flow_network::place(id);
      if (place >= s.in_flight.size())
        s.in_flight.resize(place + 1);
      s.in_flight[place] = {id, std::move(r)};
    }
  });
  s.batch.clear();
  schedule_wake(self, now);
}

/// Agent `who` went offline: its uploads and downloads in flight (and those
/// asked for at this instant) stop where they are and are never delivered;
/// the capacity they held goes to the others. Each sender gets back the
/// bytes that never left. Until it comes back, transfers to it fail.
void drop_agent(self_ptr self, agent_id who) {
  auto& s = self->state;
  auto now = now_seconds(self);
  settle(self, now);
  s.offline[who] = true;
  auto involves = [who](const transfer_request& r) {
    return r.from == who || r.to == who;
  };
  auto kept = std::stable_partition(s.batch.begin(), s.batch.end(),
                                    [&](auto& r) { return !involves(r); });
  for (auto r = kept; r != s.batch.end(); ++r)
    refund(self, *r, r->bytes);
  s.batch.erase(kept, s.batch.end());
  std::vector<flow_id> gone;
  for (auto& c : s.in_flight)
    if (c.id != 0 && involves(c.request))
      gone.push_back(c.id);
  std::sort(gone.begin(), gone.end()); // canonical order: by start
  s.env->ledger->drive([&](flow_network& flows) {
    auto t = std::max(now, flows.time());
    for (auto id : gone) {
      auto& c = s.in_flight[flow_network::place(id)];
      auto sent = flows.cancel(t, id).value_or(0.0);
      auto through = static_cast<std::uint64_t>(std::llround(sent));
      refund(self, c.request,
             c.request.bytes - std::min(through, c.request.bytes));
      c = carried_transfer{};
    }
  });
  schedule_wake(self, now);
}

} // namespace

caf::behavior
network(caf::stateful_actor<network_state>* self, const run_env* env,
        std::shared_ptr<const std::vector<caf::actor>> directory) {
  auto& s = self->state;
  s.env = env;
  s.directory = std::move(directory);
  s.offline.assign(env->exp->agents(), false); // the directory may fill later
  return {
    [=](transfer_atom, transfer_request& r) {
      auto& s = self->state;
      s.batch.push_back(std::move(r));
      // A zero delay goes through the clock: under the virtual clock it
      // fires once everything else due now has run, so one batch holds
      // every transfer of the instant.
      if (s.batch.size() == 1)
        self->delayed_send(self, caf::timespan{0}, flush_atom::value);
    },
    [=](flush_atom) { start_batch(self); },
    [=](leave_atom, agent_id who) { drop_agent(self, who); },
    [=](join_atom, agent_id who) { self->state.offline[who] = false; },
    [=](wake_atom, std::uint64_t token) {
      auto& s = self->state;
      if (token != s.wake_token)
        return; // superseded by an earlier wake-up
      auto now = std::max(now_seconds(self), s.wake_at);
      s.wake_at = std::numeric_limits<double>::infinity();
      settle(self, now);
      schedule_wake(self, now);
    },
  };
}

} // namespace murmur
