"""supervisord -n as PID 1, the usual container set-up: per program autorestart=true,
stdout_logfile=/dev/stdout (maxbytes 0) and redirect_stderr=true; startsecs,
startretries and stopwaitsecs at their defaults (1, 3, 10). For figure 14, where it holds the
server's socket, `[fcgi-program:NAME]` with `socket=tcp://127.0.0.1:PORT` (socket_backlog at
its default, SOMAXCONN) instead of `[program:NAME]`, the same otherwise: supervisord binds the
socket and passes it to the server as fd 0 (the server's --stdin)."""

import shlex

from harness.contestant import Contestant, Launch


class Supervisord(Contestant):
    name = "supervisord"
    packages = ("supervisor",)
    binaries = ("supervisord",)
    restart_note = ("autorestart=true; its loop reaps a child on one tick and spawns it "
                    "again on the next (about 1 s)")

    held_socket_na = None
    held_socket_note = ("`[fcgi-program:NAME]`, `socket=tcp://127.0.0.1:PORT`: supervisord "
                        "binds it and passes it as fd 0, but holds it only while an instance "
                        "runs: when the server exits it closes the socket and binds it again "
                        "at the next spawn (its log says `Closing socket`, then `Creating "
                        "socket`), so connections are refused in between")
    status_na = ("no metrics endpoint: its optional inet_http_server serves a web UI and "
                 "XML-RPC (not measured)")

    def launch(self, work, services, ctx):
        lines = ["[supervisord]", "nodaemon=true", "user=root", "logfile=/dev/null",
                 "logfile_maxbytes=0", f"pidfile={work}/supervisord.pid", ""]
        for s in services:
            if s.listen:
                # Its socket feature: supervisord binds the socket and passes it as fd 0.
                lines += [f"[fcgi-program:{s.name}]", f"socket={s.listen}",
                          f"command={shlex.join([*s.argv, '--stdin'])}"]
            else:
                lines += [f"[program:{s.name}]", f"command={s.command}"]
            lines += ["autorestart=true", "stdout_logfile=/dev/stdout",
                      "stdout_logfile_maxbytes=0", "redirect_stderr=true", ""]
        conf = work / "supervisord.conf"
        conf.write_text("\n".join(lines))
        return Launch(["supervisord", "-n", "-c", conf])


CONTESTANT = Supervisord()
