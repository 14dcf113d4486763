# cmake -DHEADERS=<dir;dir> -DTESTS=<dir> -DEXCLUDE=<prefix> -P test_per_header.cmake
# Fails when a header (*.hpp) under HEADERS has no test file (*.cpp) with the same stem, the file
# name without its extension, anywhere under TESTS (test files whose path starts with EXCLUDE do
# not count). "One Catch2 file per header": include/gentask/detail/foo.hpp is tested by
# tests/detail/foo.cpp, reactors/local/local_reactor.hpp by tests/reactors/local/local_reactor.cpp.
# Only the stem is compared, so a header shares its test with any other header of the same stem.
cmake_minimum_required(VERSION 3.25)
if(NOT HEADERS OR NOT TESTS)
  message(FATAL_ERROR "test_per_header.cmake needs -DHEADERS=... and -DTESTS=...")
endif()
if(NOT EXCLUDE)
  set(EXCLUDE "/nowhere/")
endif()

set(stems "")
file(GLOB_RECURSE test_files "${TESTS}/*.cpp")
foreach(f IN LISTS test_files)
  string(FIND "${f}" "${EXCLUDE}" excluded)
  if(NOT excluded EQUAL 0)
    get_filename_component(stem "${f}" NAME_WE)
    list(APPEND stems "${stem}")
  endif()
endforeach()

set(headers_seen 0)
set(missing "")
foreach(dir IN LISTS HEADERS)
  file(GLOB_RECURSE headers "${dir}/*.hpp")
  foreach(h IN LISTS headers)
    math(EXPR headers_seen "${headers_seen} + 1")
    get_filename_component(stem "${h}" NAME_WE)
    if(NOT stem IN_LIST stems)
      list(APPEND missing "${h} (no ${stem}.cpp under ${TESTS})")
    endif()
  endforeach()
endforeach()

if(headers_seen EQUAL 0)
  message(FATAL_ERROR "no header found under ${HEADERS}: wrong path?")
endif()
if(missing)
  list(LENGTH missing n)
  list(JOIN missing "\n" text)
  message(FATAL_ERROR "${n} header(s) without a test file of the same name:\n${text}")
endif()
message(STATUS "every one of the ${headers_seen} headers has a test file of the same name")
