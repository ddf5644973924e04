# Windows x64 from Linux: MinGW-w64 with POSIX threads (g++-mingw-w64-x86-64-posix, for std::thread and
# Asio), OpenSSL 3 built from Debian's source package by scripts/build-openssl-mingw (Debian has no MinGW
# OpenSSL), Boost and RapidJSON headers from the host. Tests run under wine64 (tests/tools/wine-run).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

# Libraries only from the MinGW sysroot and the OpenSSL prefix; never the host's.
set(CAT_MINGW_OPENSSL "${CMAKE_BINARY_DIR}/deps/openssl-mingw64" CACHE PATH
  "OpenSSL for mingw64 (scripts/build-openssl-mingw links it here)")
set(OPENSSL_ROOT_DIR "${CAT_MINGW_OPENSSL}")
set(ENV{PKG_CONFIG_LIBDIR} "${CAT_MINGW_OPENSSL}/lib/pkgconfig")  # never the host's .pc files
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 "${CAT_MINGW_OPENSSL}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Boost and RapidJSON are headers only, but the host's /usr/include must not become an include directory
# (its C library headers would shadow MinGW's): the two trees are linked into a directory of their own.
set(CAT_HOST_HEADERS "${CMAKE_BINARY_DIR}/deps/host-headers")
if(NOT EXISTS "${CAT_HOST_HEADERS}/RapidJSONConfig.cmake" AND NOT CMAKE_BINARY_DIR MATCHES "/CMakeFiles/")
  file(MAKE_DIRECTORY "${CAT_HOST_HEADERS}")
  file(CREATE_LINK /usr/include/boost "${CAT_HOST_HEADERS}/boost" SYMBOLIC)
  file(CREATE_LINK /usr/include/rapidjson "${CAT_HOST_HEADERS}/rapidjson" SYMBOLIC)
  file(WRITE "${CAT_HOST_HEADERS}/RapidJSONConfig.cmake" "set(RAPIDJSON_INCLUDE_DIRS \"${CAT_HOST_HEADERS}\")\n")
endif()
set(Boost_NO_BOOST_CMAKE ON)
set(Boost_INCLUDE_DIR "${CAT_HOST_HEADERS}" CACHE PATH "Boost headers (the host's, linked)")
set(RapidJSON_DIR "${CAT_HOST_HEADERS}" CACHE PATH "RapidJSON (the host's headers, linked)")

# tests/tools/wine-run: a WINEPREFIX in the build tree, WINEDEBUG=-all, then wine64 PROGRAM ARGS.
set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/../../tests/tools/wine-run")

# OpenSSL: built once per source package into a cache outside the tree (scripts/build-openssl-mingw).
# (Not again for CMake's own test projects, which read this file too.)
if(NOT EXISTS "${CAT_MINGW_OPENSSL}/lib/libcrypto.a" AND NOT CMAKE_BINARY_DIR MATCHES "/CMakeFiles/")
  execute_process(COMMAND "${CMAKE_CURRENT_LIST_DIR}/../../scripts/build-openssl-mingw" "${CMAKE_BINARY_DIR}"
    RESULT_VARIABLE cat_openssl_result)
  if(NOT cat_openssl_result EQUAL 0)
    message(FATAL_ERROR "scripts/build-openssl-mingw failed: no OpenSSL for mingw64")
  endif()
endif()
