# Cross build for 32-bit ARM, hard float (Debian's armhf: ARMv7, VFPv3-D16), with
# Debian's cross toolchain (g++-arm-linux-gnueabihf). Run under qemu-arm-static.
set(TEND_TRIPLET arm-linux-gnueabihf)
set(TEND_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
# GCC notes that std::vector iterators are passed differently since GCC 7.1
# (-Wpsabi): only a concern when mixing objects from GCC < 7, never here.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
