// The virtual clock's calendar (actors/virtual_clock): delayed messages come
// in due order, ties in the order they were scheduled; a request's timeout
// due at the same time comes after them; and a stopping system still
// delivers what is scheduled, as CAF's test clock did.
#include "actors/system.hpp"
#include "actors/virtual_clock.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

using namespace murmur;

namespace {

using std::chrono::seconds;
using journal = std::shared_ptr<std::vector<int>>;

caf::behavior recorder(caf::event_based_actor*, journal log) {
  return {[=](int x) { log->push_back(x); }};
}

/// Never answers a request: it keeps every promise it makes.
caf::behavior
mute(caf::stateful_actor<std::vector<caf::response_promise>>* self) {
  return {[=](int) -> caf::result<int> {
    self->state.push_back(self->make_response_promise());
    return caf::delegated<int>{};
  }};
}

/// Asks `whom` with a 1 s timeout and logs -1 when it times out.
caf::behavior asker(caf::event_based_actor* self, caf::actor whom,
                    journal log) {
  self->request(whom, seconds(1), 0)
    .then([](int) {}, [=](const caf::error&) { log->push_back(-1); });
  return {[=](int x) { log->push_back(x); }};
}

struct virtual_system {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  virtual_coordinator* sched = nullptr;
  journal log = std::make_shared<std::vector<int>>();

  virtual_system() {
    configure_system(cfg, 1, clock_kind::simulated);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<virtual_coordinator&>(sys->scheduler());
  }

  /// Runs the calendar to its end as a virtual run's loop does; returns
  /// when each event was due, in seconds from `t0`.
  std::vector<double> drain(caf::actor_clock::time_point t0) {
    std::vector<double> due;
    auto& clock = sched->clock();
    sched->run();
    while (clock.has_pending()) {
      due.push_back(
        std::chrono::duration<double>(clock.next_due() - t0).count());
      clock.trigger_next();
      sched->run();
    }
    return due;
  }
};

} // namespace

TEST_CASE("the virtual clock delivers delayed messages by due time, ties in "
          "the order they were scheduled") {
  virtual_system v;
  auto t0 = v.sys->clock().now();
  auto r = v.sys->spawn(recorder, v.log);
  caf::delayed_anon_send(r, seconds(2), 3);
  caf::delayed_anon_send(r, seconds(1), 1);
  caf::delayed_anon_send(r, seconds(1), 2);
  caf::delayed_anon_send(r, seconds(0), 0);
  auto due = v.drain(t0);
  CHECK(*v.log == std::vector<int>{0, 1, 2, 3});
  CHECK(due == std::vector<double>{0, 1, 1, 2});
  CHECK(v.sys->clock().now() - t0 == seconds(2));
  caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  v.sched->run();
}

TEST_CASE("a request's timeout due with a delayed message comes after it, "
          "and before later ones") {
  virtual_system v;
  auto t0 = v.sys->clock().now();
  auto m = v.sys->spawn(mute);
  auto a = v.sys->spawn(asker, m, v.log); // its timeout: due at 1 s
  caf::delayed_anon_send(a, seconds(2), 8);
  caf::delayed_anon_send(a, seconds(1), 7);
  auto due = v.drain(t0);
  CHECK(*v.log == std::vector<int>{7, -1, 8});
  CHECK(due == std::vector<double>{1, 1, 2});
  for (auto& x : {a, m})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  v.sched->run();
}

TEST_CASE("a stopping virtual system delivers the messages still scheduled") {
  auto log = std::make_shared<std::vector<int>>();
  {
    virtual_system v;
    v.sys->await_actors_before_shutdown(false);
    auto r = v.sys->spawn(recorder, log);
    caf::delayed_anon_send(r, seconds(5), 5);
    v.sched->run();
  } // the recorder lives on through its scheduled message
  CHECK(*log == std::vector<int>{5});
}
