#include "config/cron.h"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace spec {
namespace {

struct Field {
  const char* name;
  int lo, hi;
  const char* const* names;  // lowercase three-letter names from lo, or null
};

constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr Field kFields[] = {{"minute", 0, 59, nullptr},
                             {"hour", 0, 23, nullptr},
                             {"day of month", 1, 31, nullptr},
                             {"month", 1, 12, kMonths},
                             {"day of week", 0, 7, kDays}};

std::optional<int> Number(std::string_view s, const Field& f) {
  if (s.empty()) return std::nullopt;
  if (f.names && s.size() == 3) {
    std::string lower;
    for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i <= f.hi - f.lo && i < (f.lo == 0 ? 7 : 12); ++i) {
      if (lower == f.names[i]) return f.lo + i;
    }
  }
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || v > 1000) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < f.lo || v > f.hi) return std::nullopt;
  return v;
}

// Parses one comma-separated field into the set of values it allows.
bool ParseField(std::string_view text, const Field& f, std::vector<bool>& set, bool& star,
                std::string& error) {
  set.assign(static_cast<size_t>(f.hi) + 1, false);
  star = text == "*";
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    int step = 1;
    if (size_t slash = part.find('/'); slash != std::string_view::npos) {
      auto s = Number(part.substr(slash + 1), Field{f.name, 1, 60, nullptr});
      if (!s) return (error = std::string("bad step in ") + f.name), false;
      step = *s;
      part = part.substr(0, slash);
    }
    int from = f.lo, to = f.hi;
    if (part != "*") {
      size_t dash = part.find('-');
      auto a = Number(part.substr(0, dash), f);
      auto b = dash == std::string_view::npos ? a : Number(part.substr(dash + 1), f);
      if (!a || !b || *a > *b) {
        return (error = std::string(f.name) + " must be " + std::to_string(f.lo) + "-" +
                        std::to_string(f.hi) + ", a range, a list or *, got '" + std::string(part) +
                        "'"),
               false;
      }
      from = *a;
      to = (dash == std::string_view::npos && step > 1) ? f.hi : *b;
    }
    for (int v = from; v <= to; v += step) set[static_cast<size_t>(v)] = true;
  }
  return true;
}

std::string_view Shorthand(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  return text;
}

}  // namespace

CronResult ParseCron(std::string_view text) {
  CronExpr e;
  e.text = std::string(text);
  std::string_view body = Shorthand(text);
  std::vector<std::string_view> parts;
  for (size_t i = 0; i < body.size();) {
    while (i < body.size() && body[i] == ' ') ++i;
    size_t j = body.find(' ', i);
    if (j == std::string_view::npos) j = body.size();
    if (j > i) parts.push_back(body.substr(i, j - i));
    i = j;
  }
  if (parts.size() != 5) {
    return {std::nullopt, "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                              std::to_string(parts.size())};
  }
  std::string error;
  std::vector<bool> set;
  bool star;
  for (int k = 0; k < 5; ++k) {
    if (!ParseField(parts[static_cast<size_t>(k)], kFields[k], set, star, error)) {
      return {std::nullopt, error};
    }
    for (size_t v = 0; v < set.size(); ++v) {
      if (!set[v]) continue;
      switch (k) {
        case 0: e.minutes.set(v); break;
        case 1: e.hours.set(v); break;
        case 2: e.days.set(v); break;
        case 3: e.months.set(v); break;
        case 4: e.weekdays.set(v % 7); break;
      }
    }
    if (k == 2) e.any_day = star;
    if (k == 4) e.any_weekday = star;
  }
  return {e, ""};
}

namespace {

// A time's UTC calendar fields, by std::chrono's calendar arithmetic:
// glibc's gmtime_r goes through its time zone code (tzset parses TZ with
// sscanf), 50 KB of the static binary for a calendar that needs none.
struct UtcTime {
  int month;   // 1..12
  int mday;    // 1..31
  int wday;    // 0..6, Sunday 0
  int hour;    // 0..23
  int minute;  // 0..59
};

UtcTime ToUtc(int64_t t) {
  using namespace std::chrono;
  sys_seconds at{seconds{t}};
  sys_days day = floor<days>(at);
  year_month_day date{day};
  hh_mm_ss clock{at - day};
  return {static_cast<int>(unsigned{date.month()}), static_cast<int>(unsigned{date.day()}),
          static_cast<int>(weekday{day}.c_encoding()), static_cast<int>(clock.hours().count()),
          static_cast<int>(clock.minutes().count())};
}

// The first second of the month after the one `t` is in (UTC).
int64_t StartOfNextMonth(int64_t t) {
  using namespace std::chrono;
  year_month_day date{floor<days>(sys_seconds{seconds{t}})};
  year_month next = date.year() / date.month() + months{1};
  return sys_seconds{sys_days{next / 1}}.time_since_epoch().count();
}

}  // namespace

std::optional<int64_t> NextRun(const CronExpr& e, int64_t after) {
  int64_t t = after - after % 60 + 60;  // next whole minute
  const int64_t limit = after + int64_t{5} * 366 * 24 * 3600;
  while (t < limit) {
    UtcTime tm = ToUtc(t);
    if (!e.months[static_cast<size_t>(tm.month)]) {
      t = StartOfNextMonth(t);
      continue;
    }
    // Vixie cron: when both day fields are restricted, either may match.
    bool dom = e.days[static_cast<size_t>(tm.mday)];
    bool dow = e.weekdays[static_cast<size_t>(tm.wday)];
    bool day_ok = (e.any_day || e.any_weekday) ? (dom && dow) : (dom || dow);
    if (!day_ok) {
      t += 24 * 3600 - (tm.hour * 3600 + tm.minute * 60);
      continue;
    }
    if (!e.hours[static_cast<size_t>(tm.hour)]) {
      t += 3600 - tm.minute * 60;
      continue;
    }
    if (!e.minutes[static_cast<size_t>(tm.minute)]) {
      t += 60;
      continue;
    }
    return t;
  }
  return std::nullopt;
}

}  // namespace spec
