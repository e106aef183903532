# gfload (src/tools/gfload*.c) against the real gfcloud: 50 emulated
# machines in one process, actions of several types, a clean stop.
gf_py_test(test_gfload SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_gfload.py
           TIMEOUT 120)
# gfload stops cleanly (SIGINT) with connections that never became
# sessions: refused or cut upgrades, and one that never answers.
gf_py_test(test_gfload_stop SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_gfload_stop.py
           TIMEOUT 120)
