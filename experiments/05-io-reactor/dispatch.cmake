# Experiment 05, one trip against two (dispatch.cpp): an in-process workload, its own binary
# (manifest.dispatch.json), timed and counted under callgrind like experiments 01-04.
add_executable(exp05_dispatch dispatch.cpp)
target_link_libraries(exp05_dispatch PRIVATE gentask_experiment_common)
