# gfnet: client-connection helpers shared by gfmachine and gfload.
gf_unit_test(test_gfnet_target
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gfnet_target.c LIBS gfnet)
gf_unit_test(test_gfnet_wheel
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gfnet_wheel.c LIBS gfnet)
