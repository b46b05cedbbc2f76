#pragma once

#include <caf/all.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <cstdint>
#include <vector>

namespace murmur {

/// The virtual clock's calendar: CAF's test clock, except that delayed
/// messages (every modelled duration: compute, transfers, churn, scripted
/// commands) wait in one flat binary heap, ordered by due time and then by
/// the order they were scheduled. The test clock keeps each in a tree node
/// and an event object of its own: two allocations per message on the event
/// thread, and a walk over cold nodes. Request and receive timeouts stay in
/// the test clock; at equal times a delayed message goes first.
class virtual_clock : public caf::detail::test_actor_clock {
public:
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void cancel_all() override;

  bool has_pending() const { return !heap_.empty() || has_pending_timeout(); }
  /// When the next event is due; only with has_pending().
  time_point next_due() const;
  /// Moves the clock to the next event and delivers it (false: none).
  bool trigger_next();

private:
  struct delayed {
    time_point due;
    std::uint64_t seq; ///< ties: the earlier scheduled first
    caf::strong_actor_ptr receiver;
    caf::mailbox_element_ptr content;
  };
  /// Makes the std heap functions keep the earliest (due, seq) in front; a
  /// type of its own, so that they inline it.
  struct later {
    bool operator()(const delayed& a, const delayed& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };
  bool message_first() const;

  std::vector<delayed> heap_;
  std::uint64_t scheduled_ = 0;
};

/// CAF's test coordinator (every job runs on the calling thread, one at a
/// time, in the order it became ready) over the virtual clock above. Loaded
/// with cfg.load<virtual_coordinator>().
class virtual_coordinator : public caf::scheduler::test_coordinator {
public:
  using test_coordinator::test_coordinator;

  static caf::actor_system::module* make(caf::actor_system& sys,
                                         caf::detail::type_list<>) {
    return new virtual_coordinator(sys);
  }

  virtual_clock& clock() noexcept override { return clock_; }

protected:
  /// As the test coordinator does with its own clock: delivers what is still
  /// scheduled and runs it, so no message outlives the system.
  void stop() override;

private:
  // The test coordinator's own clock stays empty: these would act on it.
  using test_coordinator::advance_time;
  using test_coordinator::has_pending_timeout;
  using test_coordinator::trigger_timeout;
  using test_coordinator::trigger_timeouts;

  virtual_clock clock_;
};

} // namespace murmur
