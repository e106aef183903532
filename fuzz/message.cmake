# fuzz_message: libFuzzer target for the message parser (fuzz_message.c).
#
# The parser sources are compiled into the target with the fuzzer's
# instrumentation (gf_fuzz_target, fuzz/CMakeLists.txt); ctest fuzzes it for
# 10 s from the seed corpus in fuzz/corpus/fuzz_message, with a dictionary of
# the protocol's field names.
set(gf_proto_src ${PROJECT_SOURCE_DIR}/src/gf/proto)
gf_fuzz_target(fuzz_message
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_message.c
          ${gf_proto_src}/message.c ${gf_proto_src}/message_emit.c
          ${gf_proto_src}/json_flat.c
          ${gf_proto_src}/catalog.c ${gf_proto_src}/settings_form.c
  LIBS gf_core PkgConfig::JANSSON
  ARGS -dict=${CMAKE_CURRENT_LIST_DIR}/fuzz_message.dict)
