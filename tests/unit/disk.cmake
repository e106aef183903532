# Full-disk and failing-I/O unit tests: gfcloud's blob, job-file and store
# writers under a file size limit, and gfmachine's spool folder.
gf_unit_test(test_disk_cloud
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_disk_cloud.c LIBS gfcloud_core)
gf_unit_test(test_disk_spool
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_disk_spool.c LIBS gfm)
