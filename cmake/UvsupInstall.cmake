# Install: header, library, CLI, pkg-config file and CMake package config.
include(CMakePackageConfigHelpers)

install(TARGETS uvsup EXPORT uvsupTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS uvsup_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS uvsup_spawn RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR})
# man uvsup, and bash completion where bash-completion looks for it.
install(FILES doc/uvsup.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES contrib/uvsup.bash-completion
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME uvsup)

set(UVSUP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/uvsup)
install(EXPORT uvsupTargets NAMESPACE uvsup:: DESTINATION ${UVSUP_CMAKE_DIR})
configure_package_config_file(cmake/uvsupConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/uvsupConfig.cmake
  INSTALL_DESTINATION ${UVSUP_CMAKE_DIR})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/uvsupConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/uvsupConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/uvsupConfigVersion.cmake
  DESTINATION ${UVSUP_CMAKE_DIR})

# The .pc file finds its prefix from where it lies, so an installed tree can
# be moved (and CI can install to a scratch prefix).
file(RELATIVE_PATH UVSUP_PC_TO_PREFIX
  "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(cmake/uvsup.pc.in ${CMAKE_CURRENT_BINARY_DIR}/uvsup.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/uvsup.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
