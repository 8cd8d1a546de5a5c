#include "config/critical.h"

#include <gtest/gtest.h>

namespace spec {
namespace {

std::vector<ServiceSpec> Services(std::vector<std::string> names) {
  std::vector<ServiceSpec> out;
  for (std::string& n : names) {
    ServiceSpec s;
    s.name = std::move(n);
    out.push_back(std::move(s));
  }
  return out;
}

TEST(CriticalNames, SplitAtCommasTrimmed) {
  NameList l = ParseNameList("sshd, nginx ,\tapp", "TEND_CRITICAL");
  ASSERT_FALSE(l.error);
  EXPECT_EQ(l.names, (std::vector<std::string>{"sshd", "nginx", "app"}));
  EXPECT_EQ(ParseNameList("web", "--critical").names, std::vector<std::string>{"web"});
}

TEST(CriticalNames, EmptyNamesAreErrorsNamingTheOption) {
  for (const char* bad : {"", " ", "a,,b", "a,", ",a", "a, ,b"}) {
    NameList l = ParseNameList(bad, "TEND_CRITICAL");
    ASSERT_TRUE(l.error) << bad;
    EXPECT_EQ(l.error->rfind("TEND_CRITICAL: empty service name in '", 0), 0u) << *l.error;
  }
  NameList l = ParseNameList(std::string(65, 'a'), "--critical");
  ASSERT_TRUE(l.error);
  EXPECT_NE(l.error->find("longer than any service name (64 bytes at most)"), std::string::npos);
  l = ParseNameList(std::string(100000, 'a'), "--critical");
  ASSERT_TRUE(l.error);
  EXPECT_LT(l.error->size(), 200u);
}

TEST(CriticalNames, MarksCriticalAndNeverRestarted) {
  std::vector<ServiceSpec> services = Services({"sshd", "nginx", "app"});
  std::vector<Diagnostic> errors;
  MarkCritical({"app", "app", "sshd"}, "--critical", services, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(services[0].critical);
  EXPECT_EQ(services[0].restart, RestartPolicy::kNever);
  EXPECT_FALSE(services[1].critical);
  EXPECT_EQ(services[1].restart, RestartPolicy::kAlways);
  EXPECT_TRUE(services[2].critical);
  EXPECT_EQ(services[2].restart, RestartPolicy::kNever);
}

TEST(CriticalNames, AnUnknownNameIsAnErrorListingTheServices) {
  std::vector<ServiceSpec> services = Services({"sshd", "nginx"});
  std::vector<Diagnostic> errors;
  MarkCritical({"ngnix", "x\ny"}, "TEND_CRITICAL", services, errors);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].Format(),
            "TEND_CRITICAL: no service named 'ngnix' (the services are: sshd, nginx)");
  EXPECT_EQ(errors[1].Format(),
            "TEND_CRITICAL: no service named 'x\\ny' (the services are: sshd, nginx)");
  EXPECT_FALSE(services[0].critical);
}

TEST(CriticalNames, AThousandServicesStillMakeOneShortLine) {
  std::vector<std::string> names;
  for (int i = 0; i < 1000; ++i) names.push_back("s" + std::to_string(i));
  std::vector<ServiceSpec> services = Services(names);
  std::vector<Diagnostic> errors;
  MarkCritical({"nope"}, "--critical", services, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("s19, and 980 more)"), std::string::npos);
  std::vector<ServiceSpec> none;
  errors.clear();
  MarkCritical({"web"}, "--critical", none, errors);
  EXPECT_EQ(errors[0].message, "--critical: no service named 'web' (the services are: none)");
}

}  // namespace
}  // namespace spec
