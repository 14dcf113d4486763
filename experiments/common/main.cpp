#include "harness.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace gentask::bench {

std::vector<case_entry>& get_cases() {
  static std::vector<case_entry> cases;
  return cases;
}

int run_main(int argc, char** argv) {
  std::string measure;
  std::size_t iterations = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--gentask-list") {
      for (const auto& c : get_cases()) std::printf("%s\t%g\n", c.name.c_str(), c.units);
      return 0;
    }
    if (arg.rfind("--gentask-measure=", 0) == 0) measure = arg.substr(18);
    if (arg.rfind("--gentask-iterations=", 0) == 0) {
      iterations = std::strtoull(arg.c_str() + 21, nullptr, 10);
    }
  }
  if (!measure.empty()) {
    for (auto& c : get_cases()) {
      if (c.name == measure) {
        c.run(iterations);
        return 0;
      }
    }
    std::fprintf(stderr, "no case named %s (see --gentask-list)\n", measure.c_str());
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace gentask::bench

int main(int argc, char** argv) { return gentask::bench::run_main(argc, argv); }
