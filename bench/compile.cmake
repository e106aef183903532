# compile_bench: design compiler throughput (segments/s, output MB/s).
add_executable(compile_bench ${CMAKE_CURRENT_LIST_DIR}/compile_bench.c)
target_link_libraries(compile_bench PRIVATE gf_compile)
