# gf_core: error codes shared by every part of libgf.
add_library(gf_core STATIC ${CMAKE_CURRENT_LIST_DIR}/error.c)
target_include_directories(gf_core PUBLIC ${PROJECT_SOURCE_DIR}/include)
