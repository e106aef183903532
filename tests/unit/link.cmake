# The daemons carry only the libraries they use: gfmachine never compiles a
# design, so neither the `gf` umbrella nor the compiler's parts (and their
# libxml2 and libpng) may reach it. gfcloud does compile designs (jobs from
# SVG, PNG and JPEG, docs/api.md "Jobs"), so it must carry them.
# cloud_link_parts (cloud.cmake) checks gfcloud's link list.
add_test(NAME machine_link_parts
  COMMAND sh -c "for l in $1; do case $l in gf|gf_compile|gf_svg|gf_raster|gf_plan) echo \"gfm links $l\"; exit 1;; esac; done; echo \"links: $1\""
          sh "$<JOIN:$<TARGET_PROPERTY:gfm,LINK_LIBRARIES>, >")

# What the dynamic loader maps: `ldd` on gfmachine must list no libxml2 or
# libpng; on gfcloud both. (The plain build links with --as-needed, which
# would hide a stray link; the sanitizer build does not, so there this test
# sees every library on the link line.)
find_program(LDD ldd)
if(LDD)
  add_test(NAME gfmachine_ldd
    COMMAND sh -c "out=$(\"$0\" \"$1\") || exit 1; echo \"$out\"; if echo \"$out\" | grep -E 'libxml2|libpng'; then echo \"$1 links the compiler's libraries\"; exit 1; fi"
            ${LDD} $<TARGET_FILE:gfmachine>)
  add_test(NAME gfcloud_ldd
    COMMAND sh -c "out=$(\"$0\" \"$1\") || exit 1; echo \"$out\"; for l in libxml2 libpng; do echo \"$out\" | grep -q $l || { echo \"$1 does not link $l (jobs compile designs)\"; exit 1; }; done"
            ${LDD} $<TARGET_FILE:gfcloud>)
  set_tests_properties(gfmachine_ldd gfcloud_ldd PROPERTIES LABELS unit)
endif()
set_tests_properties(machine_link_parts PROPERTIES LABELS unit)

# libgf exports gf_* and, between its own parts, names with a module prefix;
# never a bare helper name (scripts/check-symbols.sh, run on the archives).
set(gf_symbol_prefixes "gf_ puls_ cg_ cgb_ svg_ co_ cord_ ra_ pe_ pm_ ps_")
add_test(NAME libgf_symbols
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-symbols.sh "${gf_symbol_prefixes}"
          $<TARGET_FILE:gf_core> $<TARGET_FILE:gf_proto> $<TARGET_FILE:gf_puls>
          $<TARGET_FILE:gf_plan> $<TARGET_FILE:gf_raster>
          $<TARGET_FILE:gf_svg> $<TARGET_FILE:gf_compile>
          $<TARGET_FILE:gf_locate>)
set_tests_properties(libgf_symbols PROPERTIES LABELS unit)
