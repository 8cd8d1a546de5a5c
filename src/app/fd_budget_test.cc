#include "app/fd_budget.h"

#include <gtest/gtest.h>

namespace app {
namespace {

spec::ServiceSpec Prefixed() {
  spec::ServiceSpec s;
  s.out.mode = spec::OutputSpec::Mode::kPrefix;
  s.err.mode = spec::OutputSpec::Mode::kPrefix;
  return s;
}

TEST(FdBudget, CountsPipesFilesPidfdAndNotifyPipe) {
  spec::ServiceSpec s = Prefixed();
  EXPECT_EQ(FdsFor(s), 5u);
  s.err.mode = spec::OutputSpec::Mode::kFile;
  s.notify_fd = 3;
  EXPECT_EQ(FdsFor(s), 7u);
  s.out.mode = s.err.mode = spec::OutputSpec::Mode::kNull;
  s.notify_fd.reset();
  EXPECT_EQ(FdsFor(s), 1u);
}

TEST(FdBudget, FitsWithItsReserve) {
  spec::ServiceSpec s = Prefixed();
  std::vector<const spec::ServiceSpec*> hundred(100, &s);  // 500 fds
  EXPECT_FALSE(CheckFdBudget(hundred, 20, 20 + 500 + kFdReserve));
  auto error = CheckFdBudget(hundred, 20, 200);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("100 services need about 532 file descriptors and tend has 180 left "
                        "of its limit of 200"),
            std::string::npos)
      << *error;
  EXPECT_NE(error->find("--ulimit nofile"), std::string::npos);
}

}  // namespace
}  // namespace app
