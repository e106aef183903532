# gf_proto: libgf's protocol core (PROTOCOL.md §4.2, §5, §8-§12, §18): the
# message model (message.c parses, message_emit.c writes), the action catalog
# (catalog.c) and the settings catalog (settings.c, settings_form.c).
#
# The settings table is generated at build time: gf_settings_gen reads
# data/machine-settings.tsv and writes settings_table.c into the build tree,
# so editing the TSV rebuilds the table (and a malformed or unsorted TSV
# fails the build with the line at fault).
add_executable(gf_settings_gen ${CMAKE_CURRENT_LIST_DIR}/settings_gen.c)

set(GF_SETTINGS_TSV ${PROJECT_SOURCE_DIR}/data/machine-settings.tsv)
set(GF_SETTINGS_TABLE ${CMAKE_CURRENT_BINARY_DIR}/settings_table.c)
add_custom_command(
  OUTPUT ${GF_SETTINGS_TABLE}
  COMMAND gf_settings_gen ${GF_SETTINGS_TSV} ${GF_SETTINGS_TABLE}
  DEPENDS gf_settings_gen ${GF_SETTINGS_TSV}
  COMMENT "Generating the settings table from machine-settings.tsv"
  VERBATIM)

add_library(gf_proto STATIC
  ${CMAKE_CURRENT_LIST_DIR}/message.c
  ${CMAKE_CURRENT_LIST_DIR}/message_emit.c
  ${CMAKE_CURRENT_LIST_DIR}/catalog.c
  ${CMAKE_CURRENT_LIST_DIR}/settings.c
  ${CMAKE_CURRENT_LIST_DIR}/settings_form.c
  ${GF_SETTINGS_TABLE})
target_include_directories(gf_proto
  PUBLIC ${PROJECT_SOURCE_DIR}/include
  PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(gf_proto PUBLIC gf_core PkgConfig::JANSSON)
