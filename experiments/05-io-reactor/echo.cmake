# Experiment 05, TCP echo and HTTP (README.md, "Servers" and "Reproduce"): the bare epoll floors
# (echo and HTTP server programs), the load generator and the harness binary `exp05_io_reactor`,
# which starts each server as a process of its own. The harness gets every server's path at build
# time:
#   - the floors: built here;
#   - tokio: experiments/peers/rust/target/release/{echo_server,http_server}, built by cargo
#     (experiments/peers/rust/build.sh; the manifest's `prepare` step runs it), so only the path;
#   - Asio: targets of experiments/peers/asio (exp05_asio_echo_server, exp05_asio_http_server);
#   - gentask: targets gentask_echo_server and gentask_http_server
#     (reactors/tokio_style/examples/).
# The Asio and gentask targets are defined in other directories, some perhaps after this one, so
# they are looked up once the whole project is configured (a deferred call at the top level); a
# target that does not exist gives an empty path, and the harness fails that server's cases with
# a message saying how to build it.

foreach(floor IN ITEMS echo http)
  add_executable(exp05_epoll_${floor}_floor epoll_${floor}_floor.cpp)
  target_link_libraries(exp05_epoll_${floor}_floor PRIVATE gentask_warnings)
  target_compile_features(exp05_epoll_${floor}_floor PRIVATE cxx_std_20)
endforeach()

add_executable(exp05_io_reactor io_harness.cpp loadgen.cpp server_process.cpp)
target_link_libraries(exp05_io_reactor PRIVATE gentask_experiment_common)
add_dependencies(exp05_io_reactor exp05_epoll_echo_floor exp05_epoll_http_floor)
set(gentask_exp05_rust_release "${PROJECT_SOURCE_DIR}/experiments/peers/rust/target/release")
target_compile_definitions(exp05_io_reactor PRIVATE
  "GENTASK_EXP05_FLOOR_ECHO=\"$<TARGET_FILE:exp05_epoll_echo_floor>\""
  "GENTASK_EXP05_FLOOR_HTTP=\"$<TARGET_FILE:exp05_epoll_http_floor>\""
  "GENTASK_EXP05_TOKIO_ECHO=\"${gentask_exp05_rust_release}/echo_server\""
  "GENTASK_EXP05_TOKIO_HTTP=\"${gentask_exp05_rust_release}/http_server\"")

function(gentask_exp05_server_paths)
  foreach(pair IN ITEMS "GENTASK_EXP05_GENTASK_ECHO=gentask_echo_server"
                        "GENTASK_EXP05_GENTASK_HTTP=gentask_http_server"
                        "GENTASK_EXP05_ASIO_ECHO=exp05_asio_echo_server"
                        "GENTASK_EXP05_ASIO_HTTP=exp05_asio_http_server")
    string(REPLACE "=" ";" parts "${pair}")
    list(GET parts 0 macro)
    list(GET parts 1 target)
    if(TARGET ${target})
      add_dependencies(exp05_io_reactor ${target})
      target_compile_definitions(exp05_io_reactor PRIVATE "${macro}=\"$<TARGET_FILE:${target}>\"")
    else()
      message(STATUS "experiment 05: no target ${target}: its cases will report it missing")
    endif()
  endforeach()
endfunction()
cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}" CALL gentask_exp05_server_paths)
