# Unit tests of gfcloud's parsers of untrusted bytes (the ones the
# fuzz/cloud.cmake targets fuzz), with the regressions the fuzzers found.
gf_unit_test(test_cloud_parsers
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cloud_parsers.c
  LIBS gfcloud_core)
