# cmake -DROOT=<dir> -P include_walls.cmake
# Fails when an #include crosses one of the architecture's walls under ROOT:
#   - include/gentask/ (the library) includes nothing from reactors/, experiments/ or tests/,
#     nothing outside its ambient/ (the thread-local baseline) includes ambient/, and its futures/
#     (the combinators) nothing from unordered/ (the futures_unordered sets sit above them);
#   - a reactor (reactors/<name>/ and reactors/<name>.hpp) includes only the library and its
#     own folder, never another reactor;
#   - experiments/ include only public headers: nothing from tests/ and no gentask/detail/.
# Each violation is printed with its file and line.
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT)
  message(FATAL_ERROR "include_walls.cmake needs -DROOT=...")
endif()

set(violations "")
set(files_seen 0)

# check(<file> <label> <regex>...): every #include line of <file> that matches one of the
# regexes is a violation.
function(check file label)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS lines)
    foreach(bad IN LISTS ARGN)
      if(line MATCHES "${bad}")
        file(RELATIVE_PATH rel "${ROOT}" "${file}")
        list(APPEND violations "${rel}: ${label}: ${line}")
        set(violations "${violations}" PARENT_SCOPE)
        break()
      endif()
    endforeach()
  endforeach()
endfunction()

file(GLOB_RECURSE library "${ROOT}/include/gentask/*.hpp")
foreach(f IN LISTS library)
  math(EXPR files_seen "${files_seen} + 1")
  check("${f}" "the library includes a reactor, an experiment or a test"
        "gentask/reactors/" "reactors/" "experiments/" "tests/" "support/")
  if(NOT f MATCHES "/include/gentask/ambient/")
    check("${f}" "the library includes the ambient baseline" "gentask/ambient/")
  endif()
  if(f MATCHES "/include/gentask/futures/")
    check("${f}" "a combinator includes a futures_unordered set" "gentask/unordered/")
  endif()
endforeach()

file(GLOB reactor_entries LIST_DIRECTORIES true "${ROOT}/reactors/*")
foreach(entry IN LISTS reactor_entries)
  get_filename_component(name "${entry}" NAME_WE)
  if(IS_DIRECTORY "${entry}")
    file(GLOB_RECURSE reactor_files "${entry}/*.hpp")
  else()
    set(reactor_files "${entry}")
  endif()
  foreach(f IN LISTS reactor_files)
    math(EXPR files_seen "${files_seen} + 1")
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include.*reactors/")
    foreach(line IN LISTS lines)
      if(NOT line MATCHES "gentask/reactors/${name}(/|\\.hpp)")
        file(RELATIVE_PATH rel "${ROOT}" "${f}")
        list(APPEND violations "${rel}: the reactor '${name}' includes another reactor: ${line}")
      endif()
    endforeach()
    check("${f}" "a reactor includes an experiment or a test" "experiments/" "tests/" "support/")
  endforeach()
endforeach()

file(GLOB_RECURSE experiment_files "${ROOT}/experiments/*.hpp" "${ROOT}/experiments/*.cpp")
foreach(f IN LISTS experiment_files)
  math(EXPR files_seen "${files_seen} + 1")
  check("${f}" "an experiment includes a test file or a library detail"
        "tests/" "gentask/detail/")
endforeach()

if(files_seen EQUAL 0)
  message(FATAL_ERROR "no file found under ${ROOT}: wrong path?")
endif()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "include walls crossed:\n  ${text}")
endif()
message(STATUS "include walls hold (${files_seen} files)")
