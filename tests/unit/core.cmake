# Unit tests of gf_core: the error table, array growth and the data-file
# search.
gf_unit_test(test_error SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_error.c LIBS gf_core)
gf_unit_test(test_core SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_core.c LIBS gf_core)
