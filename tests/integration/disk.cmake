# Full-disk and failing-I/O tests: gfcloud and gfmachine with their data on a
# tiny tmpfs (mounted and unmounted by the test; skipped without root).
gf_py_test(test_disk_full
  SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_disk_full.py TIMEOUT 120)
