# fuzz_svg and fuzz_image: libFuzzer targets for the design compiler's
# untrusted inputs (fuzz_svg.c: SVG documents; fuzz_image.c: PNG and JPEG
# through gf_job_add_image_mem).
#
# The compiler's sources are compiled into each target with the fuzzer's
# instrumentation (gf_fuzz_target, fuzz/CMakeLists.txt), so coverage guides
# the fuzzer through the parsers, the flattener, the dither and the planner;
# the pulse writer and the core come from their libraries. The harnesses
# read the job's internals (src/gf/compile/compile_job.h) to keep each
# input's planning short; fuzz_compile_write.c, shared, writes each small
# job and reads it back as a machine would. ctest fuzzes each for 10 s from
# its seed corpus (fuzz/corpus/fuzz_svg, fuzz/corpus/fuzz_image); fuzz_svg
# uses a dictionary of SVG elements, attributes, units, path and transform
# words. (fuzz/CMakeLists.txt includes this file only with GF_FUZZ and
# clang.)
set(gf_compile_src ${PROJECT_SOURCE_DIR}/src/gf/compile)
file(GLOB gf_compile_fuzz_sources
  ${gf_compile_src}/compile*.c ${gf_compile_src}/svg/*.c
  ${gf_compile_src}/plan/*.c ${gf_compile_src}/raster/*.c)
set(gf_compile_fuzz_libs gf_puls gf_core PkgConfig::XML2 PkgConfig::PNG
  JPEG::JPEG PkgConfig::ZLIB Threads::Threads m)

gf_fuzz_target(fuzz_svg
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_svg.c
          ${CMAKE_CURRENT_LIST_DIR}/fuzz_compile_write.c
          ${gf_compile_fuzz_sources}
  LIBS ${gf_compile_fuzz_libs}
  ARGS -dict=${CMAKE_CURRENT_LIST_DIR}/fuzz_svg.dict)
target_include_directories(fuzz_svg PRIVATE ${gf_compile_src})

gf_fuzz_target(fuzz_image
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_image.c
          ${CMAKE_CURRENT_LIST_DIR}/fuzz_compile_write.c
          ${gf_compile_fuzz_sources}
  LIBS ${gf_compile_fuzz_libs})
target_include_directories(fuzz_image PRIVATE ${gf_compile_src})

# fuzz_render: the preview renderer (compile/render.c) on arbitrary pulse
# files, seeded from the pulse-file corpus of fuzz_puls.
gf_fuzz_target(fuzz_render
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_render.c
          ${gf_compile_src}/render.c
  LIBS gf_puls gf_core PkgConfig::PNG PkgConfig::ZLIB Threads::Threads m)
target_include_directories(fuzz_render PRIVATE ${gf_compile_src})
