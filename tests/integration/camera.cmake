# The emulated lid camera end to end: a real gfmachine with --head-start
# uploads lid pictures whose head the locator finds where `gfmachine where`
# says it is. locate_probe is the locator as a small command for the test.
add_executable(locate_probe ${CMAKE_CURRENT_LIST_DIR}/locate_probe.c)
target_link_libraries(locate_probe PRIVATE gf_locate)
gf_py_test(test_machine_camera
  SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_machine_camera.py TIMEOUT 180)
