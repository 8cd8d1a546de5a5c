#include "app/fd_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace app {
namespace {

// Both ends of a new pipe; the read end is returned, the write end closed.
base::UniqueFd Pipe() {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  close(fds[1]);
  return base::UniqueFd(fds[0]);
}

std::vector<base::UniqueFd> Fds(int n) {
  std::vector<base::UniqueFd> out;
  for (int i = 0; i < n; ++i) out.push_back(Pipe());
  return out;
}

TEST(FdStore, KeepsFdsPerServiceInOrderWithTheirNames) {
  FdStore store;
  EXPECT_EQ(store.Add("web", "conn", Fds(2)), 0u);
  EXPECT_EQ(store.Add("web", "state", Fds(1)), 0u);
  EXPECT_EQ(store.Add("db", "stored", Fds(1)), 0u);
  auto web = store.Of("web");
  ASSERT_EQ(web.size(), 3u);
  EXPECT_EQ(web[0].second, "conn");
  EXPECT_EQ(web[1].second, "conn");
  EXPECT_EQ(web[2].second, "state");
  for (const auto& [fd, name] : web) EXPECT_GE(fcntl(fd, F_GETFD), 0) << name;  // open
  EXPECT_EQ(store.Count("db"), 1u);
  EXPECT_TRUE(store.Of("other").empty());
}

TEST(FdStore, RemoveByNameAndForgetCloseThem) {
  FdStore store;
  store.Add("web", "conn", Fds(2));
  store.Add("web", "state", Fds(1));
  int state = store.Of("web")[2].first;
  int conn = store.Of("web")[0].first;
  store.Remove("web", "conn");
  EXPECT_EQ(fcntl(conn, F_GETFD), -1);  // closed
  ASSERT_EQ(store.Count("web"), 1u);
  EXPECT_EQ(store.Of("web")[0].second, "state");
  store.Forget("web");
  EXPECT_EQ(fcntl(state, F_GETFD), -1);
  EXPECT_EQ(store.Count("web"), 0u);
}

TEST(FdStore, TheSameFileIsKeptOnce) {
  FdStore store;
  base::UniqueFd fd = Pipe();
  std::vector<base::UniqueFd> twice;
  twice.emplace_back(dup(fd.Get()));
  twice.emplace_back(dup(fd.Get()));
  EXPECT_EQ(store.Add("web", "conn", std::move(twice)), 0u);
  EXPECT_EQ(store.Count("web"), 1u);
  std::vector<base::UniqueFd> again;
  again.emplace_back(dup(fd.Get()));
  store.Add("web", "conn", std::move(again));
  EXPECT_EQ(store.Count("web"), 1u);
}

TEST(FdStore, IsBoundedPerService) {
  FdStore store;
  EXPECT_EQ(store.Add("web", "a", Fds(FdStore::kMaxPerService - 1)), 0u);
  EXPECT_EQ(store.Add("web", "b", Fds(5)), 4u);  // one more fits
  EXPECT_EQ(store.Count("web"), FdStore::kMaxPerService);
  EXPECT_EQ(store.Add("db", "a", Fds(3)), 0u);  // others have their own bound
}

}  // namespace
}  // namespace app
