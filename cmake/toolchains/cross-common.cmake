# What every Debian cross toolchain file shares; the including file sets
# TEND_TRIPLET (the GNU triplet, the compilers' prefix) and TEND_QEMU.
#
# Only the target's libc and libstdc++ come from the cross toolchain's sysroot
# (/usr/TRIPLET). The header-only dependencies (toml++, nlohmann/json) are the
# host's Debian packages: CMakeLists.txt exposes just those two directories,
# never all of /usr/include, whose glibc headers are the host's. GoogleTest is
# built from /usr/src/googletest with the cross compiler, so no multiarch
# packages are needed.
set(CMAKE_SYSTEM_NAME Linux)
string(REGEX REPLACE "-.*" "" CMAKE_SYSTEM_PROCESSOR ${TEND_TRIPLET})
set(CMAKE_C_COMPILER ${TEND_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${TEND_TRIPLET}-g++)
set(CMAKE_FIND_ROOT_PATH /usr/${TEND_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest runs the foreign test binaries through qemu-user when it is installed
# (binfmt_misc may not be mounted); -L finds a dynamic binary's loader.
find_program(TEND_QEMU_PATH ${TEND_QEMU})
if(TEND_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TEND_QEMU_PATH} -L /usr/${TEND_TRIPLET})
endif()
