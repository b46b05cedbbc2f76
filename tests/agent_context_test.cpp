// An agent's model buffers: agents share x^0 until they first write, write in
// place only to a buffer they alone hold, and reuse their buffers once
// receivers let go of them.
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace murmur;

namespace {

std::unique_ptr<experiment> ring_of(std::size_t agents) {
  return testing::quadratic_experiment(
    agents, 10, {"algorithm.name=dpsgd", "topology.kind=ring"});
}

vec constant(float value) {
  return vec::Constant(testing::quadratic_dim, value);
}

} // namespace

TEST_CASE("agents share x^0 until their first step, which leaves it intact") {
  auto exp = ring_of(4);
  auto a = make_agent(*exp, 0);
  auto b = make_agent(*exp, 1);
  // No copy of x^0 per agent before it steps.
  CHECK(&a.ctx.x() == exp->initial.get());
  CHECK(&b.ctx.x() == exp->initial.get());
  a.ctx.local_step(); // x^0 = 0, centre 0 is not: the step moves the model
  CHECK(&a.ctx.x() != exp->initial.get());
  CHECK(a.ctx.x() != constant(0));
  CHECK(*exp->initial == constant(0));
  CHECK(b.ctx.x() == constant(0));
}

TEST_CASE("an agent writes in place only to a model no one else holds") {
  auto exp = ring_of(4);
  auto a = make_agent(*exp, 2);
  a.ctx.local_step();
  // Its own buffer, unshared: the next step writes in place.
  const vec* own = &a.ctx.x();
  a.ctx.local_step();
  CHECK(&a.ctx.x() == own);
  // Published to a receiver: the step writes to another buffer, and what the
  // receiver holds stays as it was sent.
  blob sent = a.ctx.shared_model();
  vec as_sent = *sent;
  a.ctx.local_step();
  CHECK(&a.ctx.x() != sent.get());
  CHECK(*sent == as_sent);
  // A model it did not build, still held by its sender (one other owner):
  // copied before the step, never written.
  auto received = std::make_shared<vec>(constant(3));
  a.ctx.set_model(received);
  a.ctx.local_step();
  CHECK(&a.ctx.x() != received.get());
  CHECK(*received == constant(3));
  CHECK(a.ctx.x() != constant(3));
}

TEST_CASE("mixing rounds alternate between two buffers once receivers let go") {
  auto exp = ring_of(4);
  auto a = make_agent(*exp, 0);
  auto hood = exp->hood(0, 0);
  std::set<const vec*> used;
  for (round_t k = 0; k < 6; ++k) {
    a.algo->before_send(a.ctx, k, hood);
    {
      // Both neighbours hold the published model until they have mixed it.
      auto box = a.algo->publish(a.ctx, k, hood);
      auto neighbour_model = std::make_shared<vec>(constant(1));
      inbox in{{1, payload{neighbour_model}}, {3, payload{neighbour_model}}};
      a.algo->combine(a.ctx, k, hood, in);
    }
    used.insert(&a.ctx.x());
  }
  CHECK(used.size() == 2);
  // A receiver that keeps the model a round longer costs a third buffer.
  auto kept = a.ctx.shared_model();
  for (round_t k = 6; k < 8; ++k) {
    a.algo->before_send(a.ctx, k, hood);
    a.algo->combine(a.ctx, k, hood, {{1, payload{kept}}, {3, payload{kept}}});
    used.insert(&a.ctx.x());
  }
  CHECK(used.size() == 3);
}
