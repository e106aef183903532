# gf_compile: designs (SVG, PNG, JPEG) to pulse files, and pulse files to
# preview pictures (include/gf/compile.h, PROTOCOL.md §15.3-§15.5).
#
#   svg_*      the SVG document, path, transform, unit and colour grammars,
#              and curve flattening
#   compile*   the job (inputs, operations) and writing it
#   plan_*     motion planning into ticks, and the tick emitter
#   raster_*   image loading, dithering and engrave sweeps
#   render.c   the preview renderer
file(GLOB GF_COMPILE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/compile*.c
  ${CMAKE_CURRENT_LIST_DIR}/svg*.c
  ${CMAKE_CURRENT_LIST_DIR}/plan*.c
  ${CMAKE_CURRENT_LIST_DIR}/raster*.c
  ${CMAKE_CURRENT_LIST_DIR}/render*.c)
add_library(gf_compile STATIC ${GF_COMPILE_SOURCES})
target_include_directories(gf_compile
  PUBLIC ${PROJECT_SOURCE_DIR}/include
  PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gf_compile PUBLIC gf_core PkgConfig::XML2 PkgConfig::PNG
  JPEG::JPEG m)
# The pulse codec (puls.cmake) is written alongside; link it once it exists.
if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/puls.cmake)
  target_link_libraries(gf_compile PUBLIC gf_puls)
endif()
