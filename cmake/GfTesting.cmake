# Helpers to declare tests.
#
#   gf_unit_test(NAME SOURCES a.c b.c LIBS gf ...)
#       builds a cmocka test executable and registers it with ctest.
#   gf_py_test(NAME SCRIPT path.py [TIMEOUT s])
#       registers a Python integration test; it gets the build directory in
#       GF_BUILD_DIR and the source directory in GF_SOURCE_DIR.
function(gf_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_compile_definitions(${name} PRIVATE
    GF_SOURCE_DIR="${PROJECT_SOURCE_DIR}" GF_BUILD_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

function(gf_py_test name)
  cmake_parse_arguments(T "" "SCRIPT;TIMEOUT" "" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${Python3_EXECUTABLE} -u ${T_SCRIPT})
  set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "GF_BUILD_DIR=${PROJECT_BINARY_DIR};GF_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# gf_on_postgresql(TEST...) runs each already-declared test against
# PostgreSQL: it gets GF_TEST_STORE=postgresql and GF_TEST_PG_STATE, and
# needs the fixture "pg", one throwaway server per ctest run
# (scripts/pg-test-server.sh: started by pg_server_start before the first
# such test, stopped by pg_server_stop after the last).
set(GF_PG_STATE ${PROJECT_BINARY_DIR}/pg-test-server.state)
function(gf_on_postgresql)
  get_property(have GLOBAL PROPERTY GF_PG_FIXTURE)
  if(NOT have)
    set_property(GLOBAL PROPERTY GF_PG_FIXTURE 1)
    add_test(NAME pg_server_start
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/pg-test-server.sh start ${GF_PG_STATE})
    add_test(NAME pg_server_stop
      COMMAND ${PROJECT_SOURCE_DIR}/scripts/pg-test-server.sh stop ${GF_PG_STATE})
    set_tests_properties(pg_server_start PROPERTIES FIXTURES_SETUP pg
      LABELS postgresql TIMEOUT 120)
    set_tests_properties(pg_server_stop PROPERTIES FIXTURES_CLEANUP pg
      LABELS postgresql TIMEOUT 60)
  endif()
  foreach(t ${ARGN})
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
      "GF_TEST_STORE=postgresql" "GF_TEST_PG_STATE=${GF_PG_STATE}")
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED pg)
    set_property(TEST ${t} APPEND PROPERTY LABELS postgresql)
  endforeach()
endfunction()
