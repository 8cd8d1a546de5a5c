#include "base/version.h"

#include "tend_version.h"  // generated in the build directory

namespace base {

const char* Version() { return TEND_VERSION; }

const char* Commit() { return TEND_COMMIT; }

// Debian's names where they differ from the compiler's: armhf is ARM with
// the hard-float calling convention, armel without.
const char* Architecture() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  return "armhf";
#elif defined(__arm__)
  return "armel";
#elif defined(__i386__)
  return "i386";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  return "ppc64el";
#elif defined(__s390x__)
  return "s390x";
#else
  return "unknown";
#endif
}

std::string VersionLine(const std::string& program) {
  return program + " " + Version() + " (commit " + Commit() + ", " + Architecture() + ")";
}

}  // namespace base
