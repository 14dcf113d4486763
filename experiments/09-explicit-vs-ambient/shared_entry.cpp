// The entry point of the shared library `exp09_workloads_shared` (CMakeLists.txt): the harness
// and both variants' cases live in the library; its executable calls this.
#include "../common/harness.hpp"

extern "C" int gentask_exp09_shared_main(int argc, char** argv) {
  return gentask::bench::run_main(argc, argv);
}
