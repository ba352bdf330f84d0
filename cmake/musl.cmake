# musl for the static warden. WARDEN_MUSL_SPECS is the gcc specs file that makes gcc compile
# and link against musl (musl-gcc is gcc with this one argument); giving it to chosen
# targets alone keeps the unit tests on glibc and Debian's libcheck. Debian's musl-dev
# installs it per architecture (multiarch); with WARDEN_MUSL_FROM_SOURCE (riscv64, not a
# release architecture of bookworm) musl is built from Debian's source package here.
include(ExternalProject)
set(WARDEN_SOURCES_DIR ${CMAKE_BINARY_DIR}/debian-sources CACHE PATH
    "Where Debian source packages (libcap-ng, musl, check) are downloaded to")
set(WARDEN_MUSL_TARGETS "")
if(WARDEN_MUSL_FROM_SOURCE)
  set(WARDEN_MUSL_DIR ${CMAKE_BINARY_DIR}/musl)
  set(WARDEN_MUSL_SPECS ${WARDEN_MUSL_DIR}/install/lib/musl-gcc.specs)
  ExternalProject_Add(musl_from_source
    DOWNLOAD_COMMAND "" CONFIGURE_COMMAND "" INSTALL_COMMAND ""
    BUILD_COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/build-musl.sh ${WARDEN_MUSL_DIR}
                  ${CMAKE_C_COMPILER} ${WARDEN_SOURCES_DIR}
    BUILD_BYPRODUCTS ${WARDEN_MUSL_SPECS} ${WARDEN_MUSL_DIR}/install/lib/libc.a)
  set(WARDEN_MUSL_TARGETS musl_from_source)
else()
  string(REPLACE "-linux-gnu" "-linux-musl" _musl_dir "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}")
  set(_musl_paths ${_musl_dir})
  if(NOT CMAKE_CROSSCOMPILING)
    list(APPEND _musl_paths /usr/lib/x86_64-linux-musl /usr/lib/musl/lib /usr/local/musl/lib)
  endif()
  find_file(WARDEN_MUSL_SPECS musl-gcc.specs PATHS ${_musl_paths} NO_DEFAULT_PATH)
  if(NOT WARDEN_MUSL_SPECS)
    message(FATAL_ERROR "musl-gcc.specs not found in ${_musl_dir}: install musl-tools (or, for "
                        "another architecture, sh tools/install-cross-deps.sh ARCH), or use "
                        "-DWARDEN_LIBC=glibc")
  endif()
endif()

# Debian ships libcap-ng for glibc only: build it for musl from Debian's source package.
set(WARDEN_CAPNG_MUSL ${CMAKE_BINARY_DIR}/libcap-ng-musl)
ExternalProject_Add(libcap_ng_musl
  DOWNLOAD_COMMAND "" CONFIGURE_COMMAND "" INSTALL_COMMAND ""
  BUILD_COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/build-libcap-ng-musl.sh ${WARDEN_CAPNG_MUSL}
                ${WARDEN_MUSL_SPECS} ${CMAKE_C_COMPILER} ${WARDEN_SOURCES_DIR}
  BUILD_BYPRODUCTS ${WARDEN_CAPNG_MUSL}/install/lib/libcap-ng.a
  DEPENDS ${WARDEN_MUSL_TARGETS}
  LOG_BUILD OFF)

# A static musl program linked with libcap-ng: warden itself, and, where Debian has no
# libraries for the architecture, the unit tests and their helper too.
function(warden_use_musl target)
  add_dependencies(${target} libcap_ng_musl)
  target_compile_options(${target} PRIVATE -specs ${WARDEN_MUSL_SPECS})
  target_link_options(${target} PRIVATE -specs ${WARDEN_MUSL_SPECS} -static)
  target_include_directories(${target} SYSTEM PRIVATE ${WARDEN_CAPNG_MUSL}/install/include
                                                      ${WARDEN_CAPNG_MUSL}/kernel-headers)
  target_link_libraries(${target} PRIVATE ${WARDEN_CAPNG_MUSL}/install/lib/libcap-ng.a)
endfunction()
