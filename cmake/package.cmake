# Install rules and the Debian package (CPack DEB): `bash scripts/package.sh` ->
# build/fanout_<version>_<arch>.deb. The version comes from VERSION (read by project()), so CMake,
# `fanout --version` and the package always agree. Runtime Depends are worked out by dpkg-shlibdeps.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/VERSION)

set(FANOUT_PKG ${CMAKE_SOURCE_DIR}/packaging)
# Debian 12 keeps system units in /lib/systemd/system (pkg-config --variable=systemdsystemunitdir systemd).
set(FANOUT_UNIT_DIR /lib/systemd/system CACHE PATH "systemd system unit directory")

if(TARGET fanout)
  install(TARGETS fanout RUNTIME DESTINATION bin)
endif()
install(FILES ${FANOUT_PKG}/fanout.service DESTINATION ${FANOUT_UNIT_DIR})
install(FILES ${FANOUT_PKG}/fanout.toml DESTINATION /etc/fanout)
# postinst copies this template to /etc/fanout/fanout.env (0640 root:fanout) when that file is missing.
install(FILES ${FANOUT_PKG}/fanout.env DESTINATION share/fanout)
install(FILES ${FANOUT_PKG}/copyright README.md DESTINATION share/doc/fanout)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION share/doc/fanout/docs FILES_MATCHING PATTERN "*.md")

# `cpack` installs the fanout target only: it need not build the tests and benchmarks first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fanout)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "fanout maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "server-side conversion gateway (Meta, GA4, Google Ads, Microsoft Ads, TikTok)")
set(CPACK_PACKAGE_DESCRIPTION
    "fanout accepts signed conversion events, stores them durably (SQLite) and delivers them to the ad\nplatforms' conversion APIs, batched, retried and isolated from each other. Runs as the systemd\nservice fanout.service.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # fanout_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# useradd (passwd) creates the service user; the rest comes from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${FANOUT_PKG}/debian/conffiles ${FANOUT_PKG}/debian/postinst ${FANOUT_PKG}/debian/prerm
    ${FANOUT_PKG}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR})
include(CPack)
