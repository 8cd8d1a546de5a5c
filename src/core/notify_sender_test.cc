#include "core/notify_sender.h"

#include <gtest/gtest.h>

namespace core {
namespace {

TEST(NotifySender, AServiceItsDaemonsAndTheirDescendants) {
  std::map<int, size_t> owners = {{10, 0}, {20, 1}, {21, 1}};
  NotifySenderFacts f;
  f.pid = 30;
  f.alive = true;
  f.lineage = {30, 21, 5};  // a child of service 1's adopted daemon
  EXPECT_EQ(NotifySender(f, owners, {}), 1u);
  f.lineage = {30, 5};  // a stranger
  EXPECT_EQ(NotifySender(f, owners, {}), std::nullopt);
  f.pid = 0;  // no credentials
  f.lineage = {10};
  EXPECT_EQ(NotifySender(f, owners, {}), std::nullopt);
}

TEST(NotifySender, AGoneSenderCountsByUidOnlyWhenUnambiguous) {
  NotifySenderFacts f;
  f.pid = 99;
  f.uid = 1000;
  f.alive = false;
  EXPECT_EQ(NotifySender(f, {}, {{2, 1000}, {3, 0}}), 2u);
  EXPECT_EQ(NotifySender(f, {}, {{2, 1000}, {3, 1000}}), std::nullopt);
  EXPECT_EQ(NotifySender(f, {}, {{3, 0}}), std::nullopt);
  f.alive = true;  // alive but no lineage to a service: refused
  EXPECT_EQ(NotifySender(f, {}, {{2, 1000}}), std::nullopt);
}

}  // namespace
}  // namespace core
