# gfmachine unit tests: dispatch rules, the emulated hardware against libgf's
# pulse statistics, configuration and the transmit queue.
foreach(t dispatch hw config pause)
  gf_unit_test(test_machine_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_machine_${t}.c LIBS gfm)
endforeach()
