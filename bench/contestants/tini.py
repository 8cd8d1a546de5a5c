"""tini -g as PID 1 running one shell script that starts every service in the background
and waits; -g sends signals to the whole process group (every service)."""

from harness.contestant import Contestant, Launch


class Tini(Contestant):
    name = "tini"
    packages = ("tini",)
    binaries = ("tini", "sh")
    restart_note = "tini restarts nothing: it runs one child and exits with it"
    restart_timeout = 3.0
    output_path = "direct"
    liveness_na = "no health checks, and it restarts nothing"
    held_socket_na = "no socket holding, and it restarts nothing"

    def launch(self, work, services, ctx):
        script = work / "services.sh"
        script.write_text("".join(f"{s.command} &\n" for s in services) + "wait\n")
        return Launch(["tini", "-g", "--", "/bin/sh", script])


CONTESTANT = Tini()
