# The camera locator (gf_locate) on frames from gfmachine's emulated lid
# camera (lidcam.c, in gfm) and on the real lid frames in tests/fixtures.
# The servo test composes about 150 full-size frames: a longer limit for
# the sanitizer build.
gf_unit_test(test_locate
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_locate.c LIBS gf_locate gfm)
set_tests_properties(test_locate PROPERTIES TIMEOUT 600)
