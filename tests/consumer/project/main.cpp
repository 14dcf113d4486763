// Uses the installed headers only: the core, a combinator and the local reactor.
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include <cstdio>

int main() {
  auto answer = gentask::local::block_on(
      gentask::ready(6) | gentask::and_then([](int x) { return gentask::ready(x * 7); }) |
      gentask::map([](int x) { return x; }));
  std::printf("consumer: %d\n", answer.get_value());
  return answer.get_value() == 42 ? 0 : 1;
}
