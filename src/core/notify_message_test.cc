#include "core/notify_message.h"

#include <gtest/gtest.h>

namespace core {
namespace {

TEST(NotifyMessage, ReadyWithStatusAndMainpid) {
  NotifyMessage m = ParseNotify("READY=1\nSTATUS=Processing requests\nMAINPID=4242");
  EXPECT_TRUE(m.ready);
  EXPECT_FALSE(m.stopping);
  EXPECT_EQ(m.status, "Processing requests");
  EXPECT_EQ(m.mainpid, 4242);
}

TEST(NotifyMessage, FlagsNeedTheirExactValue) {
  EXPECT_FALSE(ParseNotify("READY=0").ready);
  EXPECT_FALSE(ParseNotify("READY=yes").ready);
  EXPECT_FALSE(ParseNotify("READY=1 ").ready);
  EXPECT_FALSE(ParseNotify("READY").ready);
  EXPECT_FALSE(ParseNotify("ready=1").ready);
  EXPECT_TRUE(ParseNotify("READY=1\n").ready);
  EXPECT_TRUE(ParseNotify("STOPPING=1").stopping);
  EXPECT_TRUE(ParseNotify("RELOADING=1").reloading);
  EXPECT_TRUE(ParseNotify("WATCHDOG=1").watchdog);
  EXPECT_FALSE(ParseNotify("WATCHDOG=1").watchdog_trigger);
  EXPECT_TRUE(ParseNotify("WATCHDOG=trigger").watchdog_trigger);
  EXPECT_FALSE(ParseNotify("WATCHDOG=trigger").watchdog);
}

TEST(NotifyMessage, NothingSaidIsAllDefaults) {
  EXPECT_EQ(ParseNotify(""), NotifyMessage{});
  EXPECT_EQ(ParseNotify("\n\n=1\nFOO=bar\nnoequals\nFDSTORE=yes\nERRNO=2"), NotifyMessage{});
}

TEST(NotifyMessage, MainpidMustBeAPositiveInteger) {
  for (const char* bad : {"MAINPID=0", "MAINPID=-1", "MAINPID=", "MAINPID=12x", "MAINPID= 12",
                          "MAINPID=+12", "MAINPID=99999999999"}) {
    EXPECT_FALSE(ParseNotify(bad).mainpid) << bad;
  }
  EXPECT_EQ(ParseNotify("MAINPID=1").mainpid, 1);
}

TEST(NotifyMessage, WatchdogUsec) {
  EXPECT_EQ(ParseNotify("WATCHDOG_USEC=30000000").watchdog_usec, 30000000u);
  EXPECT_EQ(ParseNotify("WATCHDOG_USEC=18446744073709551615").watchdog_usec, UINT64_MAX);
  EXPECT_FALSE(ParseNotify("WATCHDOG_USEC=18446744073709551616").watchdog_usec);
  EXPECT_FALSE(ParseNotify("WATCHDOG_USEC=1s").watchdog_usec);
}

TEST(NotifyMessage, LaterValuesReplaceEarlierOnes) {
  NotifyMessage m =
      ParseNotify("STATUS=a\nMAINPID=5\nSTATUS=b\nMAINPID=bad\nMAINPID=7\nREADY=1\nREADY=0");
  EXPECT_EQ(m.status, "b");
  EXPECT_EQ(m.mainpid, 7);
  EXPECT_TRUE(m.ready);  // a flag once set stays set within one message
}

TEST(NotifyMessage, StatusKeepsEqualsSignsAndMayBeEmpty) {
  EXPECT_EQ(ParseNotify("STATUS=a=b").status, "a=b");
  EXPECT_EQ(ParseNotify("STATUS=").status, "");
}

TEST(NotifyMessage, FdStoreKeys) {
  NotifyMessage m = ParseNotify("FDSTORE=1\nFDNAME=conn-42");
  EXPECT_TRUE(m.fdstore);
  EXPECT_FALSE(m.fdstore_remove);
  EXPECT_EQ(m.fdname, "conn-42");
  m = ParseNotify("FDSTOREREMOVE=1\nFDNAME=conn-42");
  EXPECT_TRUE(m.fdstore_remove);
  EXPECT_FALSE(m.fdstore);
  EXPECT_FALSE(ParseNotify("FDSTORE=yes").fdstore);
  // A name that would break LISTEN_FDNAMES (':'), or is empty, too long or
  // not printable, is left out: the fds are then "stored", as in systemd.
  for (const char* bad : {"FDNAME=a:b", "FDNAME=", "FDNAME=a b", "FDNAME=\x01"}) {
    EXPECT_EQ(ParseNotify(bad).fdname, std::nullopt) << bad;
  }
  EXPECT_EQ(ParseNotify("FDNAME=" + std::string(256, 'x')).fdname, std::nullopt);
  EXPECT_EQ(ParseNotify("FDNAME=" + std::string(255, 'x')).fdname, std::string(255, 'x'));
}

}  // namespace
}  // namespace core
