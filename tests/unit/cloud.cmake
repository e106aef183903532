# gfcloud unit tests (cmocka): the service's modules linked directly from
# the gfcloud_core static library.
if(TARGET gfcloud_core)
  foreach(t config auth throttle store blobs files)
    gf_unit_test(test_cloud_${t}
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cloud_${t}.c
      LIBS gfcloud_core)
  endforeach()
endif()
