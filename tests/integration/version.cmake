# Every binary answers --version with its name and the project() version
# (one place: the top-level CMakeLists.txt, through gf/version.h), on
# standard output, exit status 0.
foreach(bin gfcloud gfmachine gfpuls gfload)
  add_test(NAME version_${bin}
    COMMAND sh -c "out=$(\"$0\" --version) || { echo \"exit status $?\"; exit 1; }; echo \"$out\"; [ \"$out\" = \"$1 $2\" ]"
            $<TARGET_FILE:${bin}> ${bin} ${PROJECT_VERSION})
  set_tests_properties(version_${bin} PROPERTIES LABELS integration)
endforeach()
