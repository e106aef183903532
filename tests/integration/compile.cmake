# Integration tests of `gfpuls compile` and `gfpuls render` (issue 5): they
# run the real gfpuls binary on designs in tests/fixtures/designs and on
# files they write to a temporary directory, and decode what it wrote.
foreach(t geometry raster render errors)
  gf_py_test(compile_${t}
    SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_compile_${t}.py TIMEOUT 120)
endforeach()
