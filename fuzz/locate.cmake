# fuzz_locate: the camera locator's JPEG decoding and measurement, and the
# loading of saved locators (fuzz_locate.c). Seeds: a small JPEG and a
# saved locator in fuzz/corpus/fuzz_locate. (fuzz/CMakeLists.txt includes
# this file only with GF_FUZZ and clang.)
set(gf_locate_src ${PROJECT_SOURCE_DIR}/src/gf/locate)
gf_fuzz_target(fuzz_locate
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_locate.c
          ${gf_locate_src}/locate_image.c ${gf_locate_src}/locate_ncc.c
          ${gf_locate_src}/locate.c ${gf_locate_src}/locate_calib.c
          ${gf_locate_src}/locate_blob.c
  LIBS gf_core JPEG::JPEG m)
