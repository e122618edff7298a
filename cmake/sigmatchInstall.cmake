# sigmatchInstall.cmake — install rules and the CMake package: the runtime library `sigmatch`
# (exported as sigmatch::sigmatch), the public headers include/sigmatch/ and the CLI
# (bin/sigmatch, exported as sigmatch::cli). sigmatch_input and sigmatch_compiler stay internal.
# Included from the top-level CMakeLists.txt; tested by tests/cli/examples_test.sh (ctest
# examples_test), which installs the build and builds examples/ with find_package(sigmatch).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SIGMATCH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sigmatch)

install(TARGETS sigmatch EXPORT sigmatchTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sigmatch DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set_target_properties(sigmatch_cli PROPERTIES EXPORT_NAME cli)
install(TARGETS sigmatch_cli EXPORT sigmatchTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(EXPORT sigmatchTargets NAMESPACE sigmatch:: DESTINATION ${SIGMATCH_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/sigmatchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sigmatchConfig.cmake
  INSTALL_DESTINATION ${SIGMATCH_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sigmatchConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)  # 0.x: minor versions may break the API
install(FILES ${PROJECT_BINARY_DIR}/sigmatchConfig.cmake ${PROJECT_BINARY_DIR}/sigmatchConfigVersion.cmake
  DESTINATION ${SIGMATCH_CMAKE_DIR})
