# CLI tests of gfpuls (src/tools/gfpuls.c): the real binary on the fixtures,
# gzip copies, hostile files and generated moves.
gf_py_test(test_gfpuls SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_gfpuls.py
           TIMEOUT 120)
