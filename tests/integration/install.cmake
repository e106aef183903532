# Installing and packaging (packaging/): `cmake --install` into a temporary
# prefix, checked file by file and run from there (test_install.py); the
# Debian package built by CPack, its contents, dependencies and an unpacked
# gfcloud --version (test_deb.py, plain build only: a package of sanitizer
# binaries would say nothing about the real one).
gf_py_test(install SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_install.py
           TIMEOUT 240)
set(gf_man 0)
if(GF_MAN_PAGES)
  set(gf_man 1)
endif()
set_property(TEST install APPEND PROPERTY ENVIRONMENT
  "GF_CMAKE=${CMAKE_COMMAND}" "GF_VERSION=${PROJECT_VERSION}" "GF_MAN=${gf_man}")
if(NOT GF_SANITIZE)
  gf_py_test(deb SCRIPT ${CMAKE_CURRENT_LIST_DIR}/test_deb.py TIMEOUT 300)
  set_property(TEST deb APPEND PROPERTY ENVIRONMENT
    "GF_CPACK=${CMAKE_CPACK_COMMAND}" "GF_VERSION=${PROJECT_VERSION}"
    "GF_MAN=${gf_man}")
endif()
