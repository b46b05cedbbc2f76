#include "actors/live_sampler.hpp"

#include <memory>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<live_sampler_state>*;

void sample(self_ptr self, const run_env* env) {
  auto& s = self->state;
  if (s.sampling)
    return;
  s.sampling = true;
  auto n = s.trainers.size();
  auto samples = std::make_shared<std::vector<agent_sample>>(n);
  auto left = std::make_shared<std::size_t>(n + 1);
  auto done = [self, env, samples, left] {
    if (--*left > 0)
      return;
    self->state.sampling = false;
    self->state.deliver(std::move(*samples), env->seconds(self->clock().now()));
  };
  auto timeout = env->virtual_time ? caf::duration{caf::infinite}
                                   : caf::duration{std::chrono::seconds(2)};
  bool remote = !env->exp->cfg.hosts.list.empty();
  for (std::size_t i = 0; i < n; ++i) {
    (*samples)[i].status.id = static_cast<agent_id>(i);
    self->request(s.trainers[i], timeout, status_atom::value)
      .then(
        [samples, done, i](const agent_status& st) {
          (*samples)[i].status = st;
          done();
        },
        [samples, done, i, remote](const caf::error& err) {
          using reach = agent_sample::reach;
          (*samples)[i].reached = err != caf::sec::request_timeout ? reach::gone
                                  : remote ? reach::unreachable
                                           : reach::busy;
          done();
        });
  }
  done(); // the +1: a run without agents delivers at once
}

} // namespace

caf::behavior live_sampler(caf::stateful_actor<live_sampler_state>* self,
                           const run_env* env, std::vector<caf::actor> trainers,
                           sample_handler deliver) {
  self->state.trainers = std::move(trainers);
  self->state.deliver = std::move(deliver);
  return {
    [=](caf::tick_atom) { sample(self, env); },
  };
}

} // namespace murmur
