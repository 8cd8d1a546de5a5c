"""runsvdir -P as PID 1 on a service directory with one `run` script (`exec COMMAND`) per
service, its mtime backdated so runsvdir reads it at once. runit(8), the init, is not
used: it needs /etc/runit."""

import os
import time

from harness.contestant import Contestant, Launch

from .s6 import write_runs


class Runit(Contestant):
    name = "runit"
    packages = ("runit",)
    binaries = ("runsvdir", "runsv")
    restart_note = "runsv restarts at once, after 1 s if the service ran for less than 1 s"
    output_path = "direct"

    def launch(self, work, services, ctx):
        scan = work / "service"
        write_runs(scan, services)
        # runsvdir waits 1 s before reading a directory changed within the current second.
        past = time.time() - 10
        os.utime(scan, (past, past))
        return Launch(["runsvdir", "-P", scan])


CONTESTANT = Runit()
