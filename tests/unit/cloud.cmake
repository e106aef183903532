# gfcloud unit tests (cmocka): the service's modules linked directly from
# the gfcloud_core static library.
foreach(t config auth throttle store blobs files tokmap events webpath
    webhook metrics roles heap_trim sqlite_ckpt serial_map)
  gf_unit_test(test_cloud_${t}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cloud_${t}.c
    LIBS gfcloud_core)
endforeach()
# The camera's homing and calibration runs (camrun.c) against gfmachine's
# emulated lid camera (lidcam.c, in gfm): about 40 composed frames.
gf_unit_test(test_cloud_camrun
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cloud_camrun.c
  LIBS gfcloud_core gfm)
set_tests_properties(test_cloud_camrun PROPERTIES TIMEOUT 600)

# The store tests again, on PostgreSQL (tests/unit/test_store_backend.h).
add_test(NAME test_cloud_store_pg COMMAND test_cloud_store)
set_tests_properties(test_cloud_store_pg PROPERTIES LABELS unit TIMEOUT 120)
gf_on_postgresql(test_cloud_store_pg)

# gfcloud_core links the libgf parts it uses, never the `gf` umbrella. It
# does link the design compiler (gf_compile, with libxml2, libpng and
# libjpeg): POST /api/v1/jobs compiles SVG, PNG and JPEG designs on the
# worker pool exactly as `gfpuls compile` does (docs/api.md "Jobs"), so the
# test also checks that it is there.
add_test(NAME cloud_link_parts
  COMMAND sh -c "c=0; for l in $1; do case $l in gf) echo \"gfcloud_core links $l\"; exit 1;; gf_compile) c=1;; esac; done; [ $c = 1 ] || { echo \"gfcloud_core does not link gf_compile\"; exit 1; }; echo \"links: $1\""
          sh "$<JOIN:$<TARGET_PROPERTY:gfcloud_core,LINK_LIBRARIES>, >")
