# Configures the project with CMake's BUILD_TESTING=OFF and the experiments off, with Catch2 and
# Google Benchmark made unfindable: it must configure (the library needs neither) and define no
# tests.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
          "-DCMAKE_CXX_COMPILER=${CXX}" -DBUILD_TESTING=OFF -DGENTASK_BUILD_EXPERIMENTS=OFF
          -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure failed:\n${out}\n${err}")
endif()
if(EXISTS "${WORK_DIR}/tests")
  message(FATAL_ERROR "BUILD_TESTING=OFF still configured tests/")
endif()
message(STATUS "configure-only: BUILD_TESTING=OFF honoured")
