# Unit tests of libgf's protocol core: the message model, the action catalog
# and the settings catalog (src/gf/proto/).
gf_unit_test(test_message SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_message.c
             LIBS gf_proto)
gf_unit_test(test_catalog SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_catalog.c
             LIBS gf_proto)
gf_unit_test(test_settings SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_settings.c
             LIBS gf_proto)
# test_settings also runs the generator on broken TSVs.
target_compile_definitions(test_settings PRIVATE
  GF_SETTINGS_GEN="$<TARGET_FILE:gf_settings_gen>")
add_dependencies(test_settings gf_settings_gen)
# test_json_flat reads gf_proto's private json_flat.h.
gf_unit_test(test_json_flat SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_json_flat.c
             LIBS gf_proto)
target_include_directories(test_json_flat PRIVATE
  ${PROJECT_SOURCE_DIR}/src/gf/proto)
