# Experiment 05, timers (README.timers.md, manifest.timers.json): the binary `exp05_timers`,
# gentask's side of the shared timer workloads (experiments/peers/WORKLOADS.md) on the local
# reactor, and the timer indexes (timer_heap, timer_map) on a bare task.
add_executable(exp05_timers timers.cpp)
target_link_libraries(exp05_timers PRIVATE gentask_experiment_common)
