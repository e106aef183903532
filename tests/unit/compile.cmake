# Unit tests of the design compiler (src/gf/compile/): the SVG grammars and
# the flattener (gf_svg), the motion planner, emitter, operations and
# dithering (the parts under gf_compile), and the public job API. The white-
# box tests include the parts' private headers from src/gf/compile.
gf_unit_test(test_compile_svg
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_compile_svg.c LIBS gf_svg)
gf_unit_test(test_compile_plan
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_compile_plan.c
  LIBS gf_compile gf_svg gf_raster gf_plan)
foreach(t test_compile_svg test_compile_plan)
  target_include_directories(${t} PRIVATE ${PROJECT_SOURCE_DIR}/src/gf/compile)
endforeach()
gf_unit_test(test_compile_job
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_compile_job.c
  LIBS gf_compile PkgConfig::PNG)
