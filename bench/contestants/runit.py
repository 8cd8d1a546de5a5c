"""runsvdir -P as PID 1 on a service directory with one `run` script (`exec COMMAND`) per
service, its mtime backdated so runsvdir reads it at once. runit(8), the init, is not
used: it needs /etc/runit. For figure 13 one more service, runit's syslog receiver from
Debian's socklog (by runit's author): `exec socklog unix PATH`, writing each message as a
line to runsvdir's stdout (no svlogd)."""

import os
import shlex
import time

from harness.contestant import Contestant, Launch

from .s6 import write_runs


class Runit(Contestant):
    name = "runit"
    packages = ("runit",)
    binaries = ("runsvdir", "runsv")
    restart_note = "runsv restarts at once, after 1 s if the service ran for less than 1 s"
    output_path = "direct"
    syslog_na = None
    syslog_packages = ("socklog",)
    syslog_comms = ("socklog",)
    syslog_note = "socklog, a service of its own, writes to runsvdir's stdout"

    def launch(self, work, services, ctx):
        scan = work / "service"
        extra = {"socklog": shlex.join(["socklog", "unix", str(self.syslog_path)])} \
            if self.syslog_path else None
        write_runs(scan, services, extra)
        # runsvdir waits 1 s before reading a directory changed within the current second.
        past = time.time() - 10
        os.utime(scan, (past, past))
        return Launch(["runsvdir", "-P", scan])


CONTESTANT = Runit()
