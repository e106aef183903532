# gfmachine unit tests: dispatch rules, the emulated hardware against libgf's
# pulse statistics, configuration and the transmit queue, a Bearer call
# before any sign-in.
foreach(t dispatch hw config pause auth)
  gf_unit_test(test_machine_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_machine_${t}.c LIBS gfm)
endforeach()
