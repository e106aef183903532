# gfmachine benchmark: resident memory idle and while playing a large job,
# and idle CPU. Prints figures; not a ctest test. Run with
#   cmake --build <dir> --target bench_machine
add_custom_target(bench_machine
  COMMAND ${CMAKE_COMMAND} -E env GF_BUILD_DIR=${PROJECT_BINARY_DIR}
          GF_SOURCE_DIR=${PROJECT_SOURCE_DIR}
          ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/machine_mem.py
  DEPENDS gfmachine
  USES_TERMINAL
  COMMENT "gfmachine: resident memory and idle CPU")
