# Cross build for 64-bit ARM with Debian's cross toolchain (g++-aarch64-linux-gnu).
# The binaries run on this machine under qemu-user (qemu-user-static): see
# scripts/test-cross and cmake/toolchains/cross-common.cmake.
set(TEND_TRIPLET aarch64-linux-gnu)
set(TEND_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
