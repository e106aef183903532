# The C sources follow .clang-format (STYLE.md: a style checker in CI).
find_program(CLANG_FORMAT clang-format)
if(CLANG_FORMAT)
  add_test(NAME clang_format COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-format.sh)
  set_tests_properties(clang_format PROPERTIES LABELS style)
endif()
