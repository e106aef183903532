# gfload: thousands of emulated machines on one libwebsockets event loop,
# the load tool for gfcloud (docs/gfload.md). One file per module.
add_executable(gfload gfload.c gfload_machine.c gfload_act.c gfload_http.c
  gfload_report.c gfload_jpeg.c gfload_source.c
  gfload_fleet.c)
target_link_libraries(gfload PRIVATE gf_proto gf_core gfnet PkgConfig::JANSSON PkgConfig::LWS
  JPEG::JPEG)
install(TARGETS gfload RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
