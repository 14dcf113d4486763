// Uses the installed headers only: the core, a combinator and the local reactor.
#include <gentask/and_then.hpp>
#include <gentask/map.hpp>
#include <gentask/ready.hpp>
#include <gentask/reactors/local/local_reactor.hpp>

#include <cstdio>

int main() {
  auto answer = gentask::block_on(
      gentask::ready(6) | gentask::and_then([](int x) { return gentask::ready(x * 7); }) |
      gentask::map([](int x) { return x; }));
  std::printf("consumer: %d\n", answer.get_value());
  return answer.get_value() == 42 ? 0 : 1;
}
