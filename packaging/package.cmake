# Packaging: the manual page esrpipe(1), made at build time from the help
# text the binary prints (scripts/help2man.sh: sh and awk, no help2man), the
# example systemd units, and `cpack -G DEB` for a Debian package:
#   cmake --build build && (cd build && cpack -G DEB)   # esrpipe_<version>_<arch>.deb
# installing /usr/bin/esrpipe, /usr/share/esrpipe/mappings/, the man page and
# /usr/share/doc/esrpipe/examples/systemd/. Tested by tests/e2e/package.py.

set(ESR_MAN ${CMAKE_CURRENT_BINARY_DIR}/esrpipe.1.gz)
add_custom_command(
  OUTPUT ${ESR_MAN}
  COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/help2man.sh $<TARGET_FILE:esrpipe> > esrpipe.1
  COMMAND gzip -9nf esrpipe.1
  DEPENDS esrpipe ${PROJECT_SOURCE_DIR}/scripts/help2man.sh
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
  COMMENT "Manual page esrpipe(1) from esrpipe --help"
  VERBATIM)
add_custom_target(manpage ALL DEPENDS ${ESR_MAN})

install(FILES ${ESR_MAN} DESTINATION share/man/man1)
install(FILES packaging/systemd/esrpipe-nightly.service packaging/systemd/esrpipe-nightly.timer
              packaging/systemd/nightly.env
        DESTINATION share/doc/esrpipe/examples/systemd)
install(FILES README.md DESTINATION share/doc/esrpipe)

set(CPACK_PACKAGE_NAME esrpipe)
set(CPACK_PACKAGE_VENDOR "esrpipe")
set(CPACK_PACKAGE_CONTACT "esrpipe maintainers <esrpipe@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "NHS ESR staff-in-post exports to standardised support-workforce returns")
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "esrpipe reads Electronic Staff Record staff-in-post exports and writes a "
  "support-workforce return (return.xlsx, records.csv, summary.csv, rejects.csv, "
  "run.json), classifying each assignment with the mapping tables in "
  "/usr/share/esrpipe/mappings. A nightly systemd service and timer are in "
  "/usr/share/doc/esrpipe/examples/systemd.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # Depends from the binary's libraries (dpkg-shlibdeps)
set(CPACK_STRIP_FILES ON)
include(CPack)
