# gf_puls: the pulse-file codec (PROTOCOL.md §15): streaming reader over
# plain or gzip bodies, validation, step statistics, writer and move
# generator.
add_library(gf_puls STATIC
  ${CMAKE_CURRENT_LIST_DIR}/puls_source.c
  ${CMAKE_CURRENT_LIST_DIR}/puls_read.c
  ${CMAKE_CURRENT_LIST_DIR}/puls_stats.c
  ${CMAKE_CURRENT_LIST_DIR}/puls_pipe.c
  ${CMAKE_CURRENT_LIST_DIR}/puls_validate.c
  ${CMAKE_CURRENT_LIST_DIR}/puls_write.c
  ${CMAKE_CURRENT_LIST_DIR}/puls_tags.c
  ${CMAKE_CURRENT_LIST_DIR}/puls_gen.c)
target_include_directories(gf_puls PUBLIC ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(gf_puls PUBLIC gf_core PkgConfig::ZLIB Threads::Threads m)
