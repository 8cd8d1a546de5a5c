#include "config/passwd.h"

#include <gtest/gtest.h>

namespace spec {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n# "
    "comment\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
    "broken line\napp:x:1000:1000::/home/app:/bin/sh";
constexpr const char* kGroup =
    "root:x:0:\nwww-data:x:33:\nstaff:x:50:app,other\napp:x:1000:\nlog:x:4:app";

TEST(Passwd, FindsUsersByNameOrNumber) {
  auto u = FindUser(kPasswd, "www-data");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->uid, 33u);
  EXPECT_EQ(u->gid, 33u);
  EXPECT_EQ(u->home, "/var/www");
  EXPECT_EQ(FindUser(kPasswd, "1000")->name, "app");
  auto anon = FindUser(kPasswd, "4242");  // numbers need not be listed
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->uid, 4242u);
  EXPECT_FALSE(FindUser(kPasswd, "nobody"));
}

TEST(Passwd, FindsGroupsAndMemberships) {
  EXPECT_EQ(FindGroup(kGroup, "staff")->gid, 50u);
  EXPECT_EQ(FindGroup(kGroup, "4")->name, "log");
  EXPECT_FALSE(FindGroup(kGroup, "wheel"));
  EXPECT_EQ(GroupsOfUser(kGroup, "app"), (std::vector<gid_t>{50, 4}));
}

}  // namespace
}  // namespace spec
