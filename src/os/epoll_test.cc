#include "os/epoll.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

namespace os {
namespace {

struct PipeFds {
  base::UniqueFd r, w;
};

PipeFds MakePipe() {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  return {base::UniqueFd(fds[0]), base::UniqueFd(fds[1])};
}

// The defect this loop exists to prevent: a writer whose reader is gone
// reports EPOLLERR whatever it asked for. The handler sees it once; then
// the fd is out of epoll and the loop is quiet.
TEST(Epoll, AnErrorIsReportedOnceThenTheFdLeavesTheLoop) {
  auto ep = Epoll::Create();
  ASSERT_TRUE(ep);
  PipeFds p = MakePipe();
  int calls = 0;
  uint32_t seen = 0;
  auto watch = ep->Add(p.w.Get(), 0, [&](uint32_t events) {
    ++calls;
    seen = events;
  });
  ASSERT_TRUE(watch);
  p.r.Reset();
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(ep->Dispatch(0));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(seen & EPOLLERR);
  EXPECT_FALSE(watch->Attached());
  EXPECT_EQ(ep->hangups(), 1u);
  EXPECT_TRUE(watch->Modify(EPOLLOUT));  // a no-op now, not a re-arm
  ASSERT_TRUE(ep->Dispatch(0));
  EXPECT_EQ(calls, 1);
}

TEST(Epoll, AHangUpWithDataIsDeliveredWithItsData) {
  auto ep = Epoll::Create();
  ASSERT_TRUE(ep);
  PipeFds p = MakePipe();
  ASSERT_EQ(write(p.w.Get(), "bye", 3), 3);
  p.w.Reset();
  std::string got;
  auto watch = ep->Add(p.r.Get(), EPOLLIN, [&](uint32_t events) {
    EXPECT_TRUE(events & EPOLLIN);
    EXPECT_TRUE(events & EPOLLHUP);
    char buf[16];
    ssize_t n = read(p.r.Get(), buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
  });
  ASSERT_TRUE(watch);
  ASSERT_TRUE(ep->Dispatch(0));
  EXPECT_EQ(got, "bye");
  auto n = ep->Dispatch(0);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0);
}

// A handler may drop its own watch, and another one that is ready in the
// same batch: the dropped one gets nothing more, and nothing is freed
// while it runs.
TEST(Epoll, AWatchResetMidBatchGetsNoFurtherEvents) {
  auto ep = Epoll::Create();
  ASSERT_TRUE(ep);
  PipeFds a = MakePipe(), b = MakePipe();
  ASSERT_EQ(write(a.w.Get(), "x", 1), 1);
  ASSERT_EQ(write(b.w.Get(), "x", 1), 1);
  std::optional<IoWatch> wa, wb;
  int calls = 0;
  auto handler = [&](uint32_t) {
    ++calls;
    wa.reset();
    wb.reset();
  };
  wa.emplace(std::move(*ep->Add(a.r.Get(), EPOLLIN, handler)));
  wb.emplace(std::move(*ep->Add(b.r.Get(), EPOLLIN, handler)));
  EXPECT_EQ(ep->watches(), 2u);
  ASSERT_TRUE(ep->Dispatch(0));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ep->watches(), 0u);
}

TEST(Epoll, ModifyChangesInterestAndResetUnregisters) {
  auto ep = Epoll::Create();
  ASSERT_TRUE(ep);
  PipeFds p = MakePipe();
  int calls = 0;
  auto watch = ep->Add(p.w.Get(), EPOLLOUT, [&](uint32_t) { ++calls; });
  ASSERT_TRUE(watch);
  ASSERT_TRUE(ep->Dispatch(0));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(watch->Modify(0));
  ASSERT_TRUE(ep->Dispatch(0));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(watch->Modify(EPOLLOUT));
  watch->Reset();
  ASSERT_TRUE(ep->Dispatch(0));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace os
