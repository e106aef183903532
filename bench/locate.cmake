# locate_bench: the camera locator's time on one 2592 x 1944 frame and its
# error over 50 homings, on frames from gfmachine's emulated lid camera.
add_executable(locate_bench ${CMAKE_CURRENT_LIST_DIR}/locate_bench.c)
target_link_libraries(locate_bench PRIVATE gf_locate gfm)
target_compile_definitions(locate_bench PRIVATE
  GF_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
