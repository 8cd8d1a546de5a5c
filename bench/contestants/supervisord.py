"""supervisord -n as PID 1, the usual container set-up: per program autorestart=true,
stdout_logfile=/dev/stdout (maxbytes 0) and redirect_stderr=true; startsecs,
startretries and stopwaitsecs at their defaults (1, 3, 10)."""

from harness.contestant import Contestant, Launch


class Supervisord(Contestant):
    name = "supervisord"
    packages = ("supervisor",)
    binaries = ("supervisord",)
    restart_note = ("autorestart=true; its loop reaps a child on one tick and spawns it "
                    "again on the next (about 1 s)")

    status_na = ("no metrics endpoint: its optional inet_http_server serves a web UI and "
                 "XML-RPC (not measured)")

    def launch(self, work, services, ctx):
        lines = ["[supervisord]", "nodaemon=true", "user=root", "logfile=/dev/null",
                 "logfile_maxbytes=0", f"pidfile={work}/supervisord.pid", ""]
        for s in services:
            lines += [f"[program:{s.name}]", f"command={s.command}", "autorestart=true",
                      "stdout_logfile=/dev/stdout", "stdout_logfile_maxbytes=0",
                      "redirect_stderr=true", ""]
        conf = work / "supervisord.conf"
        conf.write_text("\n".join(lines))
        return Launch(["supervisord", "-n", "-c", conf])


CONTESTANT = Supervisord()
