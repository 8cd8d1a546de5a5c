"""s6-svscan as PID 1 on a scan directory with one `run` script (`exec COMMAND`) per
service; no readiness notification and no s6-log: services write to s6-svscan's stdout.
For figure 13 one more service, s6's syslog receiver: `exec s6-socklog -x PATH`,
writing each message as a line to the same stdout. For figure 14, where it holds the server's
socket, s6's fd holder: one more service, `s6-fdholder-daemon -i RULES PATH` (root may store
and retrieve ids `tcp:...`), and the server's run script stores the socket there under
`tcp:127.0.0.1:PORT` when it is not yet held (bound by the server's own --bind mode, as
s6-networking's s6-tcpserver-socketbinder would; Debian does not package s6-networking),
then `exec s6-fdholder-retrieve PATH tcp:127.0.0.1:PORT SERVER --stdin` (the socket as fd 0)."""

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
    held_socket_na = None
    held_socket_note = ("s6-fdholder-daemon, a service of its own, holds the socket; the "
                        "server's run script retrieves it with s6-fdholder-retrieve (fd 0) at "
                        "each start")

    def launch(self, work, services, ctx):
        extra = {"s6-socklog": shlex.join(["s6-socklog", "-x", str(self.syslog_path)])} \
            if self.syslog_path else None
        held = [s for s in services if s.listen]
        write_runs(work / "service", [s for s in services if not s.listen], extra)
        if held:
            write_fdholder(work, work / "service", held)
        return Launch(["s6-svscan", work / "service"])


def write_fdholder(work, scan, services):
    """Figure 14: an `fdholder` service (s6-fdholder-daemon, root may store and retrieve
    ids `tcp:...`) and, per service, a run script that stores its socket there when it is
    not yet held (bound by the server's --bind mode, as s6-networking's
    s6-tcpserver-socketbinder would) and then runs the server on it as fd 0."""
    holder = work / "fdholder.sock"
    rules = work / "fdholder-rules" / "uid" / "0"
    (rules / "env").mkdir(parents=True)
    (rules / "allow").touch()
    for right in ("S6_FDHOLDER_STORE_REGEX", "S6_FDHOLDER_RETRIEVE_REGEX"):
        (rules / "env" / right).write_text("^tcp:\n")
    write_runs(scan, [], {"fdholder": shlex.join(
        ["s6-fdholder-daemon", "-i", str(work / "fdholder-rules"), str(holder)])})
    for s in services:
        address = s.listen.removeprefix("tcp://")
        port = address.rsplit(":", 1)[1]
        fd_id = f"tcp:{address}"
        exe = s.argv[0]
        folder = scan / s.name
        folder.mkdir(parents=True)
        run = folder / "run"
        held = shlex.join(["s6-fdholder-retrieve", str(holder), fd_id, "true"])
        store = shlex.join([exe, port, "--bind", "s6-fdholder-store", str(holder), fd_id])
        serve = shlex.join(["s6-fdholder-retrieve", str(holder), fd_id, *s.argv, "--stdin"])
        run.write_text("#!/bin/sh\n"
                       "# The socket is bound once and held by s6-fdholderd (service fdholder).\n"
                       f"{held} 2>/dev/null || {store}\n"
                       f"exec {serve}\n")
        run.chmod(0o755)


CONTESTANT = S6()
