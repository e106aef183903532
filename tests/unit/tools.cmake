# Unit tests of the tools' own logic (src/tools/).
gf_unit_test(test_gfload_settings
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gfload_settings.c
          ${PROJECT_SOURCE_DIR}/src/tools/gfload_settings.c
  LIBS gf_proto)
target_include_directories(test_gfload_settings PRIVATE
  ${PROJECT_SOURCE_DIR}/src/tools)
