gf_unit_test(test_error SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_error.c LIBS gf_core)
