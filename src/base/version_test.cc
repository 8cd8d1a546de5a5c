#include "base/version.h"

#include <gtest/gtest.h>

#include <regex>

namespace base {
namespace {

TEST(Version, LineNamesVersionCommitAndArchitecture) {
  std::string line = VersionLine("tend");
  EXPECT_EQ(line, std::string("tend ") + Version() + " (commit " + Commit() + ", " +
                      Architecture() + ")");
  EXPECT_TRUE(std::regex_match(Version(), std::regex(R"(\d+\.\d+\.\d+\S*)"))) << Version();
  EXPECT_TRUE(std::regex_match(Commit(), std::regex("[0-9a-f]{7,40}|unknown"))) << Commit();
}

TEST(Version, ArchitectureIsTheCompilersTarget) {
#if defined(__x86_64__)
  EXPECT_STREQ(Architecture(), "x86_64");
#elif defined(__aarch64__)
  EXPECT_STREQ(Architecture(), "aarch64");
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  EXPECT_STREQ(Architecture(), "armhf");
#else
  EXPECT_STRNE(Architecture(), "");
#endif
}

}  // namespace
}  // namespace base
