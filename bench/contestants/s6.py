"""s6-svscan as PID 1 on a scan directory with one `run` script (`exec COMMAND`) per
service; no readiness notification and no s6-log: services write to s6-svscan's stdout.
For figure 13 one more service, s6's syslog receiver: `exec s6-socklog -x PATH`,
writing each message as a line to the same stdout."""

import shlex

from harness.contestant import Contestant, Launch


def write_runs(scan, services, extra=None):
    """One directory per service holding an executable `run` (s6 and runit alike);
    extra: {name: command} of more services (the syslog receiver)."""
    commands = {s.name: s.command for s in services}
    commands.update(extra or {})
    for name, command in commands.items():
        folder = scan / name
        folder.mkdir(parents=True)
        run = folder / "run"
        run.write_text(f"#!/bin/sh\nexec {command}\n")
        run.chmod(0o755)


class S6(Contestant):
    name = "s6"
    packages = ("s6",)
    binaries = ("s6-svscan", "s6-supervise")
    restart_note = ("s6-supervise waits 1 s before restarting a service that has not "
                    "signalled readiness, which a plain program cannot")
    output_path = "direct"
    syslog_na = None
    syslog_comms = ("s6-socklog",)
    syslog_note = "s6-socklog, a service of its own, writes to s6-svscan's stdout"

    def launch(self, work, services, ctx):
        extra = {"s6-socklog": shlex.join(["s6-socklog", "-x", str(self.syslog_path)])} \
            if self.syslog_path else None
        write_runs(work / "service", services, extra)
        return Launch(["s6-svscan", work / "service"])


CONTESTANT = S6()
