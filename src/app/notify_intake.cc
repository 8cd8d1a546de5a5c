#include "app/notify_intake.h"

#include <unistd.h>

#include "core/notify_message.h"
#include "core/notify_sender.h"
#include "os/process.h"
#include "os/timer_fd.h"

namespace app {

NotifyIntake::NotifyIntake(LoopContext ctx, Children& children, const DaemonWatch& daemons,
                           const core::Supervisor& supervisor, FdStore& store,
                           std::function<void(const std::string&, const std::string&)> warn)
    : ctx_(std::move(ctx)),
      children_(children),
      daemons_(daemons),
      supervisor_(supervisor),
      store_(store),
      warn_(std::move(warn)) {}

std::string NotifyIntake::SocketName() {
  if (!socket_ && !failed_) Open();
  return socket_ ? socket_->Name() : "";
}

// One abstract datagram socket for every service: no file to clean up, no
// permissions to get right for services that run as other users.
void NotifyIntake::Open() {
  std::string name =
      "@tend/notify/" + std::to_string(os::SelfPid()) + "/" + std::to_string(os::WallMillis());
  auto sock = os::NotifySocket::Open(name);
  if (!sock) {
    failed_ = true;
    ctx_.log(core::LogLevel::kError, "notify socket: " + sock.Err().Describe() +
                                         "; READY=1 and WATCHDOG=1 cannot be received");
    return;
  }
  socket_ = std::move(*sock);
  auto watch = ctx_.epoll.Add(socket_->fd(), EPOLLIN, [this](uint32_t) { OnReadable(); });
  if (watch) watch_ = std::move(*watch);
}

void NotifyIntake::OnReadable() {
  for (os::NotifyDatagram& d : socket_->ReceiveAll()) {
    std::optional<size_t> i = Sender(d);
    if (!i || !supervisor_.services()[*i].spec.SpeaksSdNotify()) {
      warn_("notify: foreign messages",
            "notify message from pid " + std::to_string(d.pid) +
                ", which is no process of a service using sd_notify; ignored");
      continue;
    }
    core::NotifyMessage m = core::ParseNotify(d.text);
    if (m.mainpid && *m.mainpid > 0) children_.SetMainPid(*i, *m.mainpid);
    Store(*i, m, std::move(d.fds));
    core::Notice n;
    n.ready = m.ready;
    n.watchdog = m.watchdog;
    n.watchdog_trigger = m.watchdog_trigger;
    n.stopping = m.stopping;
    n.status = m.status;
    ctx_.events.push_back(core::Event::Notified(*i, std::move(n)));
  }
}

// FDSTORE=1 keeps the fds sent with it (others are closed with the
// datagram); FDSTOREREMOVE=1 drops those named FDNAME.
void NotifyIntake::Store(size_t i, const core::NotifyMessage& m, std::vector<base::UniqueFd> fds) {
  const std::string& name = supervisor_.services()[i].spec.name;
  if (m.fdstore_remove && m.fdname) store_.Remove(name, *m.fdname);
  if (!m.fdstore || fds.empty()) return;
  if (size_t refused = store_.Add(name, m.fdname.value_or("stored"), std::move(fds))) {
    warn_("notify: " + name + ": fd store full",
          name + ": FDSTORE=1: " + std::to_string(refused) + " fd(s) refused; at most " +
              std::to_string(FdStore::kMaxPerService) + " are kept per service");
  }
}

// The facts about the sender that core decides on: its lineage in /proc
// and, for a sender already gone, which running sd_notify service could
// have been it by uid.
std::optional<size_t> NotifyIntake::Sender(const os::NotifyDatagram& d) {
  core::NotifySenderFacts facts;
  facts.pid = d.pid;
  facts.uid = d.uid;
  if (d.pid > 0) {
    facts.lineage = os::Lineage(d.pid);
    facts.alive = os::ProcessExists(d.pid);
  }
  std::map<int, size_t> owners = SenderOwners(facts.lineage, children_, daemons_);
  std::vector<core::NotifySpeaker> speakers;
  const auto& services = supervisor_.services();
  for (size_t i = 0; i < services.size(); ++i) {
    const spec::ServiceSpec& spec = services[i].spec;
    if (services[i].Retired() || !spec.SpeaksSdNotify() || !core::ProbesRun(services[i].state)) {
      continue;
    }
    speakers.push_back({i, spec.credentials ? spec.credentials->uid : os::SelfUid()});
  }
  return core::NotifySender(facts, owners, speakers);
}

}  // namespace app
