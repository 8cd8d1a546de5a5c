"""What a contestant is: the one interface each file in bench/contestants/ implements.

A contestant turns a list of services into the command line of a PID 1 (after
writing whatever configuration it needs into a fresh work directory) and says
which processes of its namespace are the supervisor's own. The harness does
everything else: namespaces, workloads, measuring, reporting.
"""

import shlex
import shutil
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Liveness:
    """A liveness check a contestant should make, if it can: connect to 127.0.0.1:port
    every period seconds, a check failing after timeout seconds; restart the service
    after failures failed checks in a row; first check one period after a start."""
    port: int
    period: float = 1.0
    timeout: float = 0.5
    failures: int = 1


@dataclass(frozen=True)
class Service:
    """One service: its name is the basename of its executable, which is also
    the comm of the process that runs it (the harness makes a symlink per name)."""
    name: str
    argv: tuple
    kind: str = "foreground"  # or "daemon": an init-script-like command that exits 0
    liveness: Liveness = None  # figure 10: a TCP port to check (contestants that can)
    # Figure 14: "tcp://127.0.0.1:PORT", the socket a contestant that can hold one binds
    # itself and passes to every instance ("": the server binds the port itself); and
    # no_backoff: the service is killed every second or two, so a contestant turns off a
    # quick-death backoff that it lets one configure (tend's backoff_initial).
    listen: str = ""
    no_backoff: bool = False

    @property
    def command(self):
        return shlex.join(self.argv)


@dataclass
class Launch:
    """How to start PID 1: argv, run after an optional shell prelude inside the
    new namespaces (used for private bind mounts, as a container image would)."""
    argv: list
    prelude: str = ""
    env: dict = field(default_factory=dict)


class Contestant:
    name = "?"
    packages = ()         # Debian packages that provide it
    binaries = ()         # executables it runs (names on PATH or paths), for figure 9
    # Figure 1/2: how long a restart may take before we call it "none", the kills to
    # make in each mode, and the period of a polling supervisor (kills then land at a
    # random phase of it instead of right after its last run).
    restart_timeout = 5.0
    kills = {"full": 50, "quick": 3}
    poll_period = 0.0
    restart_note = ""     # the built-in delay, in the peer's own terms
    output_path = "relayed"  # "relayed" through the supervisor, "direct" (shared fd) or None
    output_note = ""
    adaptations = ()      # what was changed from the peer's published recipe, if any
    # Figure 10: why it cannot restart a hung service (None: it can, and its launch()
    # configures Service.liveness), the hangs to make in each mode, and how long a
    # service must have run before its checks start.
    liveness_na = "no health checks: it restarts a service only when its process ends"
    hangs = {"full": 10, "quick": 3}
    liveness_warmup = 0.0
    liveness_note = ""
    # Figure 11: the path of its HTTP status page (None: it has none). The figure
    # sets http_listen ("127.0.0.1:PORT") on a copy before launch().
    status_page = None
    status_na = "no HTTP status endpoint"
    http_listen = ""
    # Figure 13: why it cannot receive syslog (None: its launch() starts a receiver at
    # syslog_path, which the figure sets on a copy, writing each message to PID 1's
    # stdout), the Debian packages of that receiver (installed with the rest; missing,
    # only figure 13 is n/a) and the comm of its processes (their CPU and RSS are
    # measured). syslog_only: a syslog daemon, not a supervisor: figure 13 alone.
    syslog_na = "no syslog receiver: messages sent to /dev/log are lost"
    syslog_packages = ()
    syslog_comms = ()
    syslog_note = ""
    syslog_path = ""
    syslog_only = False
    # Figure 14: why it cannot keep a service's listening socket open across restarts
    # (None: it can: its launch() binds each Service.listen itself and passes it to every
    # instance, as fd 3 with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES, or as fd 0 with
    # the server's --stdin flag), and a note on how it does (results.md).
    held_socket_na = ("no way to hold a listening socket: the server binds the port itself "
                      "at each start")
    held_socket_note = ""

    def unavailable(self, ctx):
        """None if it can run here, else the reason it cannot."""
        for b in self.binaries:
            if not shutil.which(b):
                return f"{b} not found (package {', '.join(self.packages) or '?'})"
        return None

    def launch(self, work, services, ctx):
        """Write config under work (a fresh pathlib.Path) for the services and return a Launch."""
        raise NotImplementedError

    def executables(self, ctx):
        return list(self.binaries)

    def own_pids(self, procs, pid1, service_names):
        """The supervisor's own processes among procs (all of the namespace): by
        default PID 1 and every live process that is not a service (per-service
        supervisors, shells, helpers)."""
        return {p.pid for p in procs
                if p.pid == pid1 or (p.comm not in service_names and not p.zombie)}

    def transient_helpers(self, procs, pid1):
        """Helpers that live only for a while after each start (tend's lineage shims):
        the steady-state figures (memory, idle, scale) wait until none is left."""
        return set()

    def syslog_pids(self, procs, pid1):
        """The processes that receive syslog (figure 13)."""
        return {p.pid for p in procs if p.comm in self.syslog_comms and not p.zombie}

    def checks(self, ctx):
        """Optional extra observations for results.md (full runs): a list of sentences."""
        return []

    def version(self):
        from . import install
        return install.package_version(self.packages[0]) if self.packages else ""
