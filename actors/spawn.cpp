#include "actors/spawn.hpp"

#include "actors/async_mailer.hpp"
#include "actors/async_trainer.hpp"
#include "actors/lineage_observer.hpp"
#include "actors/mailer.hpp"
#include "actors/observer.hpp"
#include "actors/protocol_agent.hpp"
#include "actors/trainer.hpp"

namespace murmur {

agent_actors spawn_agent(caf::actor_system& sys, const run_env* env,
                         agent_id id, const directory& all,
                         const caf::actor& observer) {
  auto& plan = env->exp->plan;
  if (std::holds_alternative<synchronous_plan>(plan)) {
    auto m = sys.spawn(mailer, env, id, all);
    return {sys.spawn(trainer, env, id, m, observer), m};
  }
  if (std::holds_alternative<asynchronous_plan>(plan)) {
    auto m = sys.spawn(async_mailer, env, id, all);
    return {sys.spawn(async_trainer, env, id, m, observer), m};
  }
  auto a = sys.spawn(protocol_agent, env, id, all, observer);
  return {a, a};
}

caf::actor spawn_observer(caf::actor_system& sys, const run_env* env) {
  if (env->exp->protocol())
    return sys.spawn(lineage_observer, env);
  return sys.spawn(observer, env);
}

} // namespace murmur
