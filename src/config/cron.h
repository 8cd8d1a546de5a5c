// CronExpr: a five-field cron schedule ("*/5 * * * *": minute, hour, day
// of month, month, day of week) with lists, ranges, steps, month and day
// names, and the @hourly/@daily/@weekly/@monthly/@yearly shorthands.
// Evaluated in UTC, the clock of nearly every container.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spec {

struct CronExpr {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1..31
  std::bitset<13> months;   // 1..12
  std::bitset<7> weekdays;  // 0..6, Sunday 0 (7 accepted as Sunday)
  bool any_day = true;      // day of month was '*'
  bool any_weekday = true;  // day of week was '*'
  std::string text;

  bool operator==(const CronExpr& o) const { return text == o.text; }
};

struct CronResult {
  std::optional<CronExpr> expr;
  std::string error;  // when !expr: what is wrong, naming the field
};

CronResult ParseCron(std::string_view text);

// The first matching minute strictly after `after` (seconds since the epoch,
// UTC); nullopt when none in the next five years (e.g. "0 0 31 2 *").
std::optional<int64_t> NextRun(const CronExpr& expr, int64_t after);

}  // namespace spec
