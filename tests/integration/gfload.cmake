# gfload (src/tools/gfload*.c) against the real gfcloud: 50 emulated
# machines in one process, actions of several types, a clean stop.
gf_py_test(test_gfload SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_gfload.py
           TIMEOUT 120)
