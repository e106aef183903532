# The README's run command, scripts/demo.sh, minus the build: gfcloud and a
# demo gfmachine started together by scripts/demo-run.sh.
gf_py_test(demo SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_demo.py TIMEOUT 120)
