# gfcloud's fuzz targets: the service's own parsers of what clients send.
#
#   fuzz_cloud_signin  the sign-in body, JSON and form (signin_body.c)
#   fuzz_cloud_path    paths, segments, serials, ids, query values
#                      (api_path.c, cloud_parse_serial)
#   fuzz_cloud_auth    bearer tokens, ws_tokens, signed upload URLs (auth.c)
#   fuzz_cloud_jobspec the query of POST /api/v1/jobs: machine, placement,
#                      name, material, the operations JSON (job_spec.c),
#                      and a material's body (materials.c)
#   fuzz_cloud_webpath the dashboard's request paths (webpath.c)
#   fuzz_cloud_session the session cookie, user names at sign-in and the
#                      route table (users.c, roles.c)
#   fuzz_cloud_ws      whole WebSocket frames from a machine through the
#                      ingestion path into a real SQLite store (ws_ingest)
#
# The targets link gfcloud_fuzzcore: gfcloud_core's own sources (read from
# its SOURCES property, so the list lives in one place) built again with
# the fuzzer's coverage instrumentation. gfcloud_core itself stays
# uninstrumented because the integration tests run the gfcloud binary from
# it in this same build.
if(GF_FUZZ AND CMAKE_C_COMPILER_ID MATCHES Clang AND TARGET gfcloud_core)
  get_target_property(gf_cloud_srcs gfcloud_core SOURCES)
  list(TRANSFORM gf_cloud_srcs PREPEND ${PROJECT_SOURCE_DIR}/src/cloud/)
  add_library(gfcloud_fuzzcore STATIC ${gf_cloud_srcs})
  target_include_directories(gfcloud_fuzzcore PUBLIC
    ${PROJECT_SOURCE_DIR}/src/cloud)
  target_compile_options(gfcloud_fuzzcore PRIVATE -fsanitize=fuzzer-no-link)
  target_link_libraries(gfcloud_fuzzcore PUBLIC
    $<TARGET_PROPERTY:gfcloud_core,INTERFACE_LINK_LIBRARIES>)

  foreach(t signin path auth jobspec webpath session)
    gf_fuzz_target(fuzz_cloud_${t}
      SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_cloud_${t}.c
      LIBS gfcloud_fuzzcore)
  endforeach()
  # Frames are message lines: fuzz_message's dictionary fits them.
  gf_fuzz_target(fuzz_cloud_ws
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_cloud_ws.c
    LIBS gfcloud_fuzzcore
    ARGS -dict=${CMAKE_CURRENT_LIST_DIR}/fuzz_message.dict)
endif()
