"""monit -I as PID 1 with `set daemon 1` (a cycle each second). Each service is `check
process NAME matching "^[^ ]*/NAME( |$)"` (its name as the command's first word) with a
start program that backgrounds a foreground command (`sh -c 'CMD &'`: a start program
must return) or runs an init-script command as it is."""

from harness.contestant import Contestant, Launch


class Monit(Contestant):
    name = "monit"
    packages = ("monit",)
    binaries = ("monit",)
    restart_note = "checks once per cycle (set daemon 1: every second)"
    output_path = None
    output_note = "monit does not carry service output (start programs run detached)"

    def launch(self, work, services, ctx):
        lines = ["set daemon 1", f"set logfile {work}/monit.log", f"set pidfile {work}/monit.pid",
                 f"set idfile {work}/monit.id", f"set statefile {work}/monit.state"]
        for s in services:
            # A start program must return: background a foreground program.
            start = s.command if s.kind == "daemon" else \
                f"/bin/sh -c '{s.command} </dev/null >/dev/null 2>&1 &'"
            lines += [f'check process {s.name} matching "^[^ ]*/{s.name}( |$)"',
                      f'  start program = "{start}"']
        rc = work / "monitrc"
        rc.write_text("\n".join(lines) + "\n")
        rc.chmod(0o600)
        return Launch(["monit", "-I", "-c", rc])


CONTESTANT = Monit()
