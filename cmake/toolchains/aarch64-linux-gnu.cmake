# Linux arm64 from an x86-64 Debian: g++-aarch64-linux-gnu and the multiarch arm64 packages
# (dpkg --add-architecture arm64; libssl-dev:arm64). Debian's cross compiler already searches
# /usr/include/aarch64-linux-gnu and /usr/lib/aarch64-linux-gnu; Boost and RapidJSON are headers only, so
# the host's /usr/include serves. Tests run under qemu-aarch64-static (scripts/setup --cross).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# Libraries and packages for the target only (the arm64 multiarch directories); programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# pkg-config (FindOpenSSL asks it first) must describe the arm64 packages, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)

find_program(CAT_QEMU_AARCH64 qemu-aarch64-static)
if(CAT_QEMU_AARCH64)
  # The test programs are linked statically (CAT_STATIC_TESTS), so qemu needs no -L sysroot.
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CAT_QEMU_AARCH64})
endif()
