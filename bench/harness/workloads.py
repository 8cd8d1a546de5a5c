"""The programs that play services, shared by every contestant.

Each service gets its own executable name (a symlink), so that its process is
found by comm and every supervisor can tell the services apart by name:
  svcNNN   foreground: /usr/bin/sleep for ~11 days
  dmnNN    daemonizing: init.d/dmnNN (a shell script) starts sbin/dmnNN (sleep)
           detached with `setsid -f`, and exits 0 at once
  startNN  daemonizing under another name: init.d/startNN appends its name to a
           file, starts sbin/renamedNN (sleep) detached and exits 0 at once
  outN     writer: /usr/bin/yes printing a 64-byte line as fast as it can
  orphans  leaves N orphans that exit together (workloads/orphans)
  hngNN    a TCP service on a port that hangs on SIGUSR1 (workloads/hangs)
  slgNN    sends syslog(3) messages to a socket when released (workloads/syslog_send)
  lsnNN    a TCP server answering "pid N" on an inherited or its own listening socket
           (workloads/listen_server.c, built with cc when first asked for)
"""

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from .box import Failure
from .contestant import Liveness, Service

FOREVER = "1000000"
LINE = "tend-bench output line: the quick brown fox jumps over the lazy"  # + "\n" = 64 bytes
HERE = Path(__file__).resolve().parent


class Workloads:
    def __init__(self, root):
        self.root = Path(root)
        for d in ("bin", "init.d", "sbin"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        self.sleep = os.path.realpath(shutil.which("sleep"))
        self.yes = os.path.realpath(shutil.which("yes"))
        self.daemon_exe = self.sleep

    def _link(self, folder, name, target):
        path = self.root / folder / name
        if not path.exists():
            path.symlink_to(target)
        return str(path)

    def sleepers(self, count):
        return [Service(f"svc{i:03d}", (self._link("bin", f"svc{i:03d}", self.sleep), FOREVER))
                for i in range(1, count + 1)]

    def daemons(self, count):
        services = []
        for i in range(1, count + 1):
            name = f"dmn{i:02d}"
            daemon = self._link("sbin", name, self.sleep)
            script = self.root / "init.d" / name
            script.write_text(
                "#!/bin/sh\n"
                "# init-script-like: start the daemon detached, return at once\n"
                f"setsid -f {daemon} {FOREVER} </dev/null >/dev/null 2>&1\n"
                "exit 0\n")
            script.chmod(0o755)
            services.append(Service(name, (str(script),), kind="daemon"))
        return services

    def renamed_daemons(self, count, runs):
        """Like daemons(), but the daemon is not named like its command: init.d/startNN
        starts sbin/renamedNN. Each run of a script appends a line `startNN` to the file
        runs. Returns (service, daemon name) pairs; the daemon's name is for the harness
        only (a contestant gets the service: command and name startNN)."""
        pairs = []
        for i in range(1, count + 1):
            name, renamed = f"start{i:02d}", f"renamed{i:02d}"
            daemon = self._link("sbin", renamed, self.sleep)
            script = self.root / "init.d" / name
            script.write_text(
                "#!/bin/sh\n"
                "# init-script-like: start a daemon with another name, return at once\n"
                f"echo {name} >> {shlex.quote(str(runs))}\n"
                f"setsid -f {daemon} {FOREVER} </dev/null >/dev/null 2>&1\n"
                "exit 0\n")
            script.chmod(0o755)
            pairs.append((Service(name, (str(script),), kind="daemon"), renamed))
        return pairs

    def writers(self, count):
        return [Service(f"out{i}", (self._link("bin", f"out{i}", self.yes), LINE))
                for i in range(1, count + 1)]

    def orphans(self, count, status, go):
        exe = self._link("bin", "orphans", HERE / "workloads" / "orphans")
        return Service("orphans", (exe, str(count), str(status), str(go)))

    def hangers(self, ports, status):
        """One service per port, checked there: each answers on 127.0.0.1:PORT and
        closes its listening socket (but keeps running) on SIGUSR1; status collects
        their 'listening'/'hung' lines."""
        return [Service(f"hng{i:02d}", (self._link("bin", f"hng{i:02d}", HERE / "workloads" /
                                                   "hangs"), str(port), str(status)),
                        liveness=Liveness(port))
                for i, port in enumerate(ports, 1)]

    def syslog_senders(self, count, socket_path, messages, go, status):
        """count services, each sending messages syslog(3) datagrams to socket_path once
        the FIFO go reaches its end; status collects their 'ready' and 'done' lines."""
        return [Service(f"slg{i:02d}", (self._link("bin", f"slg{i:02d}", HERE / "workloads" /
                                                   "syslog_send"), str(socket_path),
                                        str(messages), str(go), str(status)))
                for i in range(1, count + 1)]

    def listen_server(self, port, listen=""):
        """One TCP server on 127.0.0.1:port (figure 14): it accepts on fd 3 when LISTEN_FDS
        names it, on fd 0 with --stdin, else binds the port itself; listen: the address a
        contestant that holds sockets binds and passes (Service.listen)."""
        exe = self.root / "listen_server"
        if not exe.exists():
            cc = shutil.which("cc") or shutil.which("gcc")
            if not cc:
                raise Failure("no C compiler (cc) to build bench/harness/workloads/"
                              "listen_server.c")
            out = subprocess.run([cc, "-O2", "-o", str(exe), str(HERE / "workloads" /
                                                               "listen_server.c")],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                raise Failure(f"cc listen_server.c failed: {out.stderr.strip()[-300:]}")
        return Service("lsn01", (self._link("bin", "lsn01", exe), str(port)), listen=listen,
                       no_backoff=True)
