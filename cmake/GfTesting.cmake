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
