# Unit tests of the pulse-file codec (src/gf/puls/). They read the real
# fixtures in tests/fixtures/puls and make gzip copies in temp dirs.
foreach(t puls_fixtures puls_hostile puls_write)
  gf_unit_test(test_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c
            ${CMAKE_CURRENT_LIST_DIR}/test_puls_util.c
    LIBS gf_puls m)
endforeach()
