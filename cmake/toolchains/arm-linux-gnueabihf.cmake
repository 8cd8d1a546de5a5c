# Cross build for 32-bit ARM, hard float (Debian's armhf: ARMv7, VFPv3-D16), with
# Debian's cross toolchain (g++-arm-linux-gnueabihf). Run under qemu-arm-static.
set(TEND_TRIPLET arm-linux-gnueabihf)
set(TEND_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/cross-common.cmake)
# 64-bit time_t and off_t (glibc >= 2.34): wall-clock times past 2038 (the
# schedules' next runs, log stamps) and files over 2 GiB, as on 64-bit arches.
set(TEND_32BIT_ABI "-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64")
set(CMAKE_C_FLAGS_INIT "${TEND_32BIT_ABI}")
# GCC notes that std::vector iterators are passed differently since GCC 7.1
# (-Wpsabi): only a concern when mixing objects from GCC < 7, never here.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi ${TEND_32BIT_ABI}")
