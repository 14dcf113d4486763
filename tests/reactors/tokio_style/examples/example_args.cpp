// reactors/tokio_style/examples/example_args.hpp: the examples' --dispatch option.
#include "../../../../reactors/tokio_style/examples/example_args.hpp"

#include <catch2/catch.hpp>

#include <array>

using gentask::tokio_style::dispatch;

TEST_CASE("the examples read --dispatch one_trip or two_trip, one_trip by default",
          "[tokio_style][examples]") {
  std::array<char*, 5> none{const_cast<char*>("server"), const_cast<char*>("--port"),
                            const_cast<char*>("0"), nullptr, nullptr};
  CHECK(gentask::examples::dispatch_from_args(3, none.data()) == dispatch::one_trip);
  std::array<char*, 5> two{const_cast<char*>("server"), const_cast<char*>("--dispatch"),
                           const_cast<char*>("two_trip"), const_cast<char*>("--port"),
                           const_cast<char*>("0")};
  CHECK(gentask::examples::dispatch_from_args(5, two.data()) == dispatch::two_trip);
  std::array<char*, 3> one{const_cast<char*>("server"), const_cast<char*>("--dispatch"),
                           const_cast<char*>("one_trip")};
  CHECK(gentask::examples::dispatch_from_args(3, one.data()) == dispatch::one_trip);
}
