# Unit tests of the design compiler (gf_compile): the SVG grammars and the
# flattener, and the motion planner, emitter, operations and dithering.
foreach(t test_compile_svg test_compile_plan test_compile_job)
  gf_unit_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c LIBS gf_compile)
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src/gf)
endforeach()
