#include "app/event_feed.h"

#include <chrono>

#include "ctl/event_json.h"
#include "os/timer_fd.h"

namespace app {

void EventFeed::Publish(const core::LifecycleEvent& e) {
  ++seq_;
  if (sinks_.empty()) return;
  int64_t now = os::WallMillis();
  std::vector<std::string> last;  // of this run only
  if (e.kind == core::EventKind::kExited) {
    auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(e.ran).count();
    last = output_.Recent(e.service, kLastLines, base::FormatUtc(now - ran));
  }
  std::string json = ctl::EventJson(e, seq_, now, last);
  for (const Sink& sink : sinks_) sink(e, json);
}

}  // namespace app
