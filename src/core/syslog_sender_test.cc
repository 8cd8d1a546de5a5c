#include "core/syslog_sender.h"

#include <gtest/gtest.h>

namespace core {
namespace {

const std::vector<std::string> kNames = {"sshd", "web", "", "cron"};
const std::map<int, size_t> kOwners = {{100, 0}, {200, 1}, {300, 3}};

TEST(SyslogSender, TheNearestOwnedAncestorsServiceSentIt) {
  // sshd's per-connection child (pid 150) under the master (100).
  EXPECT_EQ(SyslogSender({150, 100}, kOwners, "sshd", kNames), 0u);
  // A script's logger, tagged otherwise: still the script's service.
  EXPECT_EQ(SyslogSender({201, 200}, kOwners, "backup", kNames), 1u);
  // The tag does not outweigh the lineage.
  EXPECT_EQ(SyslogSender({201, 200}, kOwners, "cron", kNames), 1u);
}

TEST(SyslogSender, ALiveSenderOfNoServiceIsNoServices) {
  EXPECT_EQ(SyslogSender({999, 998}, kOwners, "web", kNames), std::nullopt);
}

TEST(SyslogSender, AGoneSenderIsKnownByATagThatIsAServicesName) {
  EXPECT_EQ(SyslogSender({}, kOwners, "cron", kNames), 3u);
  EXPECT_EQ(SyslogSender({}, kOwners, "logger", kNames), std::nullopt);
  // A removed service's empty name matches no empty tag.
  EXPECT_EQ(SyslogSender({}, kOwners, "", kNames), std::nullopt);
}

TEST(SyslogSender, OwnerByLineageTakesTheNearest) {
  EXPECT_EQ(OwnerByLineage({300, 200, 100}, kOwners), 3u);
  EXPECT_EQ(OwnerByLineage({}, kOwners), std::nullopt);
}

}  // namespace
}  // namespace core
