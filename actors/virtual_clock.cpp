#include "actors/virtual_clock.hpp"

#include <algorithm>
#include <utility>

namespace murmur {

void virtual_clock::schedule_message(time_point t,
                                     caf::strong_actor_ptr receiver,
                                     caf::mailbox_element_ptr content) {
  heap_.push_back({t, scheduled_++, std::move(receiver), std::move(content)});
  std::push_heap(heap_.begin(), heap_.end(), later{});
}

void virtual_clock::cancel_all() {
  heap_.clear();
  test_actor_clock::cancel_all();
}

bool virtual_clock::message_first() const {
  return !heap_.empty() && (!has_pending_timeout() ||
                            heap_.front().due <= schedule().begin()->first);
}

virtual_clock::time_point virtual_clock::next_due() const {
  return message_first() ? heap_.front().due : schedule().begin()->first;
}

bool virtual_clock::trigger_next() {
  if (!message_first())
    return trigger_timeout();
  std::pop_heap(heap_.begin(), heap_.end(), later{});
  auto next = std::move(heap_.back());
  heap_.pop_back();
  if (next.due > current_time)
    current_time = next.due;
  next.receiver->enqueue(std::move(next.content), nullptr);
  return true;
}

void virtual_coordinator::stop() {
  do {
    while (clock_.trigger_next())
      ;
  } while (run() > 0);
  test_coordinator::stop();
}

} // namespace murmur
