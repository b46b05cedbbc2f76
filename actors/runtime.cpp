#include "actors/runtime.hpp"

#include "actors/mailer.hpp"
#include "actors/messages.hpp"
#include "actors/observer.hpp"
#include "actors/trainer.hpp"

#include <stdexcept>

namespace murmur {

namespace {

void configure(caf::actor_system_config& cfg, int threads) {
  register_messages(cfg);
  cfg.set("scheduler.max-threads", threads);
  // A worker yields after this many messages of one actor, so a busy agent
  // cannot starve its neighbours' mailers.
  cfg.set("scheduler.max-throughput", 64);
}

} // namespace

round_t run_actors(experiment& exp, metrics_sink& sink, int threads) {
  caf::actor_system_config cfg;
  configure(cfg, threads);
  caf::actor_system sys{cfg};
  caf::scoped_actor launcher{sys};
  auto n = exp.agents();
  auto directory = std::make_shared<std::vector<caf::actor>>();
  for (agent_id i = 0; i < n; ++i)
    directory->push_back(sys.spawn(mailer, &exp, i, directory));
  auto obs = sys.spawn(observer, &exp, &sink, caf::actor{launcher});
  std::vector<caf::actor> trainers;
  for (agent_id i = 0; i < n; ++i)
    trainers.push_back(sys.spawn(trainer, &exp, i, (*directory)[i], obs));
  launcher->monitor(obs);
  for (auto& t : trainers)
    launcher->monitor(t);
  for (auto& t : trainers)
    launcher->send(t, start_atom::value);
  round_t last = 0;
  std::string failure;
  launcher->receive(
    [&](done_atom, round_t r) { last = r; },
    [&](caf::down_msg& dm) { failure = sys.render(dm.reason); });
  for (auto& t : trainers)
    caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
  for (auto& m : *directory)
    caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(obs, caf::exit_reason::user_shutdown);
  if (!failure.empty())
    throw std::runtime_error("an agent actor failed: " + failure);
  return last;
}

} // namespace murmur
