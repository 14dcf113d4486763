// expect-error: valid_step
// and_then needs the errors of both futures to unify (equal, or one of them never). An int
// error followed by a std::string error has no common type, and the unsatisfied concept says so.
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/failed.hpp>

#include <string>

int main() {
  auto first = gentask::failed<int>(1);
#ifdef GENTASK_COMPILE_FAIL_CONTROL
  auto chained = gentask::and_then(std::move(first), [](int) { return gentask::failed<int>(2); });
#else
  auto chained = gentask::and_then(std::move(first),
                                   [](int) { return gentask::failed<int>(std::string("no")); });
#endif
  (void)chained;
}
