# gfload: thousands of emulated machines on one libwebsockets event loop,
# the load tool for gfcloud (docs/gfload.md). One file per module.
add_executable(gfload gfload.c gfload_machine.c gfload_act.c gfload_http.c
  gfload_report.c gfload_jpeg.c gfload_source.c
  gfload_fleet.c gfload_ifaddrs.c gfload_settings.c)
target_link_libraries(gfload PRIVATE gf_proto gf_core gfnet PkgConfig::JANSSON PkgConfig::LWS
  JPEG::JPEG)
# gfload_ifaddrs.c replaces getifaddrs/freeifaddrs for the libraries gfload
# loads: they must be in the executable's dynamic symbol table.
target_link_options(gfload PRIVATE
  "LINKER:--export-dynamic-symbol=getifaddrs"
  "LINKER:--export-dynamic-symbol=freeifaddrs")
target_link_libraries(gfload PRIVATE ${CMAKE_DL_LIBS})
install(TARGETS gfload RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
