"""s6-svscan as PID 1 on a scan directory with one `run` script (`exec COMMAND`) per
service; no readiness notification and no s6-log: services write to s6-svscan's stdout."""

from harness.contestant import Contestant, Launch


def write_runs(scan, services):
    """One directory per service holding an executable `run` (s6 and runit alike)."""
    for s in services:
        folder = scan / s.name
        folder.mkdir(parents=True)
        run = folder / "run"
        run.write_text(f"#!/bin/sh\nexec {s.command}\n")
        run.chmod(0o755)


class S6(Contestant):
    name = "s6"
    packages = ("s6",)
    binaries = ("s6-svscan", "s6-supervise")
    restart_note = ("s6-supervise waits 1 s before restarting a service that has not "
                    "signalled readiness, which a plain program cannot")
    output_path = "direct"

    def launch(self, work, services, ctx):
        write_runs(work / "service", services)
        return Launch(["s6-svscan", work / "service"])


CONTESTANT = S6()
