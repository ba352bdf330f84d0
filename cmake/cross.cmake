# Toolchain file for -DWARDEN_ARCH=NAME; CMakeLists.txt loads it before project(). NAME is
# Docker's name of the architecture (cmake/arches.txt); Docker's TARGETARCH+TARGETVARIANT
# spellings (arm, armv7, arm64v8) are taken too. Debian's cross gcc compiles, Debian's
# musl-dev:ARCH (multiarch) gives musl, or musl is built from source (riscv64).
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WARDEN_ARCH)
set(_warden_arch "${WARDEN_ARCH}")
if(_warden_arch MATCHES "^arm(v7)?$")
  set(_warden_arch armv7)
elseif(_warden_arch STREQUAL "arm64v8")
  set(_warden_arch arm64)
endif()
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/arches.txt _warden_row REGEX "^${_warden_arch} ")
if(NOT _warden_row)
  message(FATAL_ERROR "WARDEN_ARCH=${WARDEN_ARCH}: not an architecture of cmake/arches.txt "
                      "(amd64 arm64 armv7 386 ppc64le s390x riscv64)")
endif()
string(REGEX REPLACE " +" ";" _warden_row "${_warden_row}")
list(GET _warden_row 1 WARDEN_DEB_ARCH)
list(GET _warden_row 2 _warden_prefix)
list(GET _warden_row 3 _warden_musl)
list(GET _warden_row 4 _warden_qemu)

find_program(WARDEN_CROSS_CC ${_warden_prefix}-gcc)
if(NOT WARDEN_CROSS_CC)
  message(FATAL_ERROR "${_warden_prefix}-gcc not found: sh tools/install-cross-deps.sh ${_warden_arch}")
endif()
set(CMAKE_C_COMPILER ${WARDEN_CROSS_CC})
string(REGEX REPLACE "-.*" "" _warden_cpu ${_warden_prefix})
if(NOT _warden_cpu STREQUAL CMAKE_HOST_SYSTEM_PROCESSOR)
  set(CMAKE_SYSTEM_NAME Linux)
  set(CMAKE_SYSTEM_PROCESSOR ${_warden_cpu})
  # ctest runs the unit tests under qemu-user even where binfmt_misc has no entry for it.
  find_program(WARDEN_QEMU qemu-${_warden_qemu}-static)
  if(WARDEN_QEMU)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${WARDEN_QEMU})
  endif()
endif()
execute_process(COMMAND ${WARDEN_CROSS_CC} -print-multiarch OUTPUT_VARIABLE CMAKE_LIBRARY_ARCHITECTURE
                OUTPUT_STRIP_TRAILING_WHITESPACE)
# pkg-config (Check for the unit tests) looks at the target's multiarch libraries only.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/pkgconfig:/usr/share/pkgconfig)
if(_warden_musl STREQUAL "source")
  set(WARDEN_MUSL_FROM_SOURCE ON)
endif()
