# The README's run command, scripts/demo.sh, minus the build: gfcloud and a
# demo gfmachine started together by scripts/demo-run.sh.
if(TARGET gfcloud AND TARGET gfmachine)
  gf_py_test(demo SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_demo.py TIMEOUT 120)
endif()
