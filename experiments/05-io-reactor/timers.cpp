// Experiment 05, timers (README.timers.md): the binary `exp05_timers`. Variant `timer_queue` is
// the local reactor (its timer queue is `basic_timer_queue<timer_heap>`), the side the peers'
// rows (tokio, Asio) line up with; variants `timer_heap` and `timer_map` are the two timer
// indexes on a bare task, the measurement that chose the reactor's index (NOTES section 10).
#include "timers_workloads.hpp"

#include <gentask/time/timer_heap.hpp>
#include <gentask/time/timer_map.hpp>

namespace gentask::bench::exp05_timers {
namespace {

const bool registered = [] {
  register_shared<timer_queue_variant>();
  register_shared<bare_variant<timer_heap>>();
  register_shared<bare_variant<timer_map>>();
  register_index_workloads<timer_queue_variant>();
  register_index_workloads<bare_variant<timer_heap>>();
  register_index_workloads<bare_variant<timer_map>>();
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp05_timers
