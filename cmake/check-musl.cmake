# The unit tests for an architecture Debian has no libraries for (WARDEN_MUSL_FROM_SOURCE:
# riscv64): they run on musl too, with Check built from Debian's source package and the
# same libcap-ng as warden (cmake/musl.cmake).
set(WARDEN_CHECK_MUSL ${CMAKE_BINARY_DIR}/check-musl)
ExternalProject_Add(check_musl
  DOWNLOAD_COMMAND "" CONFIGURE_COMMAND "" INSTALL_COMMAND ""
  BUILD_COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/build-check-musl.sh ${WARDEN_CHECK_MUSL}
                ${WARDEN_MUSL_SPECS} ${CMAKE_C_COMPILER} ${WARDEN_SOURCES_DIR}
  BUILD_BYPRODUCTS ${WARDEN_CHECK_MUSL}/install/lib/libcheck.a
  DEPENDS ${WARDEN_MUSL_TARGETS})

function(warden_unit_on_musl target)
  warden_use_musl(${target})
  add_dependencies(${target} check_musl)
  target_include_directories(${target} SYSTEM PRIVATE ${WARDEN_CHECK_MUSL}/install/include)
  target_link_libraries(${target} PRIVATE ${WARDEN_CHECK_MUSL}/install/lib/libcheck.a)
endfunction()
