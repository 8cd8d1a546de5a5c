"""tend itself with its defaults: `tend CMD...`, each service one argument holding its
whole command line. For figure 10 a tend.toml instead (`tend --config tend.toml`): each
service `command = [argv]` with `[services.NAME.liveness] tcp = "127.0.0.1:PORT"`, period,
timeout and failure_threshold as the figure asks and initial_delay one period; for
figure 11 `--http-listen 127.0.0.1:PORT`. Always `--syslog WORKDIR/dev-log`: syslog capture on,
as tend has it as PID 1 of a container, at a path of its own (the namespace shares the
machine's /dev); for figure 13 `--syslog PATH` at the figure's socket. For figure 14 a
tend.toml too: the server's `command = [argv]` with `backoff_initial = "0s"` (it is killed
every second or two; tend's backoff counts deaths within 10 s of a start), and in the set-up
where tend holds the socket `listen = ["tcp://127.0.0.1:PORT"]`."""

import json
import os
import subprocess

from harness.contestant import Contestant, Launch


class Tend(Contestant):
    name = "tend"
    restart_note = "restarts at once; backoff only after repeated quick deaths"
    liveness_na = None
    status_page = "/metrics"
    syslog_na = None
    held_socket_na = None
    held_socket_note = ("`listen = [\"tcp://127.0.0.1:PORT\"]`: tend binds it once (backlog "
                        "4096) and passes it to every instance as fd 3 with LISTEN_FDS, "
                        "LISTEN_PID and LISTEN_FDNAMES")
    syslog_note = ("tend itself receives (one process, PID 1); each message becomes a line "
                   "under the sending service's name; a sender's messages beyond 10,000 in "
                   "10 s are dropped by design, counted (tend_syslog_dropped_total) and "
                   "reported in one line when its window ends")

    def syslog_pids(self, procs, pid1):
        return {pid1}

    def transient_helpers(self, procs, pid1):
        # A lineage shim (comm "tend-lineage") is a fork of tend that never execs:
        # it watches one start for what the command leaves, for at most
        # --lineage-window (10 s), then hands the command to tend and exits.
        return {p.pid for p in procs
                if p.pid != pid1 and p.comm == "tend-lineage" and not p.zombie}

    def unavailable(self, ctx):
        if not os.access(ctx.tend, os.X_OK):
            return f"{ctx.tend} not built: {ctx.tend_build_error or 'no binary'}"
        return None

    def executables(self, ctx):
        return [ctx.tend]

    def launch(self, work, services, ctx):
        http = ["--http-listen", self.http_listen] if self.http_listen else []
        # Syslog capture stays on, as in a container, at a path of its own: the
        # namespace shares the machine's /dev.
        http += ["--syslog", str(self.syslog_path or work / "dev-log")]
        if not any(s.liveness or s.listen or s.no_backoff for s in services):
            return Launch([ctx.tend, *http, *(s.command for s in services)])
        lines = []
        for s in services:
            lines += [f"[services.{s.name}]", f"command = {json.dumps(list(s.argv))}"]
            if s.no_backoff:
                lines.append('backoff_initial = "0s"')
            if s.listen:
                lines.append(f"listen = {json.dumps([s.listen])}")
            if s.liveness:
                p = s.liveness
                lines += [f"[services.{s.name}.liveness]",
                          f'tcp = "127.0.0.1:{p.port}"', f'period = "{p.period * 1000:.0f}ms"',
                          f'timeout = "{p.timeout * 1000:.0f}ms"',
                          f'initial_delay = "{p.period * 1000:.0f}ms"',
                          f"failure_threshold = {p.failures}"]
            lines.append("")
        config = work / "tend.toml"
        config.write_text("\n".join(lines))
        return Launch([ctx.tend, *http, "--config", config])

    def version(self):
        out = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                             text=True, cwd=os.path.dirname(__file__))
        return out.stdout.strip() or "uncommitted"


CONTESTANT = Tend()
