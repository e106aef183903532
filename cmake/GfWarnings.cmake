# Compiler flags shared by every target: strict warnings (as errors with
# GF_WERROR, which scripts/test.sh and CI use), and the sanitizer build when
# GF_SANITIZE is on.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes
                    -Wmissing-prototypes -Wno-unused-parameter)
if(GF_WERROR)
  add_compile_options(-Werror)
endif()
add_compile_definitions(_GNU_SOURCE)

if(GF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
