"""monit -I as PID 1 with `set daemon 1` (a cycle each second). Each service is `check
process NAME matching "^[^ ]*/NAME( |$)"` (its name as the command's first word) with a
start program that backgrounds a foreground command (`sh -c 'CMD &'`: a start program
must return) or runs an init-script command as it is. For figure 10 a service with a
port also gets `stop program = "/bin/sh -c 'kill $MONIT_PROCESS_PID'"` (without one,
monit's restart never stops it) and `if failed port PORT type tcp with timeout 1 seconds
for 1 cycles then restart`; its pattern also allows an interpreter word before the path
(the service is a Python script). For figure 11 `set httpd port PORT use address
127.0.0.1 allow 127.0.0.1`."""

from harness.contestant import Contestant, Launch


class Monit(Contestant):
    name = "monit"
    packages = ("monit",)
    binaries = ("monit",)
    restart_note = "checks once per cycle (set daemon 1: every second)"
    output_path = None
    output_note = "monit does not carry service output (start programs run detached)"
    liveness_na = None
    hangs = {"full": 3, "quick": 0}
    # Found on this machine: monit 5.33 makes no port test in the first ~30 s after a
    # start; and as PID 1 it never reaps, so a stopped service stays a zombie and its
    # stop program is deemed failed only after the 30 s stop timeout.
    liveness_warmup = 35.0
    liveness_note = ("the stop program's SIGTERM ends the hung process at once, but monit as "
                     "PID 1 never reaps it: the zombie counts as running until the 30 s stop "
                     "timeout, then monit starts the service on its next cycle")
    status_page = "/_status?format=xml"

    def launch(self, work, services, ctx):
        lines = ["set daemon 1", f"set logfile {work}/monit.log", f"set pidfile {work}/monit.pid",
                 f"set idfile {work}/monit.id", f"set statefile {work}/monit.state"]
        if self.http_listen:
            host, port = self.http_listen.rsplit(":", 1)
            lines.append(f"set httpd port {port} use address {host} allow {host}")
        for s in services:
            # A start program must return: background a foreground program.
            start = s.command if s.kind == "daemon" else \
                f"/bin/sh -c '{s.command} </dev/null >/dev/null 2>&1 &'"
            first = "([^ ]+ )?" if s.liveness else ""
            lines += [f'check process {s.name} matching "^{first}[^ ]*/{s.name}( |$)"',
                      f'  start program = "{start}"']
            if s.liveness:
                lines += ["  stop program = \"/bin/sh -c 'kill $MONIT_PROCESS_PID'\"",
                          f"  if failed port {s.liveness.port} type tcp with timeout "
                          f"{max(1, round(s.liveness.timeout))} seconds "
                          f"for {s.liveness.failures} cycles then restart"]
        rc = work / "monitrc"
        rc.write_text("\n".join(lines) + "\n")
        rc.chmod(0o600)
        return Launch(["monit", "-I", "-c", rc])


CONTESTANT = Monit()
