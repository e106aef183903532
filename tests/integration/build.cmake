# The build as a packager makes it (scripts/check-packager-configure.sh):
# BUILD_TESTING=OFF registers no test and -Werror is off unless GF_WERROR
# asks for it.
add_test(NAME packager_configure
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-packager-configure.sh
          ${PROJECT_SOURCE_DIR})
set_tests_properties(packager_configure PROPERTIES LABELS integration TIMEOUT 120)
