"""One contestant running as PID 1 of its own PID and mount namespaces.

    with Box(ctx, contestant, services) as box:
        box.wait_running(services)
        ...

`unshare --fork --pid --mount-proc --kill-child` makes the namespaces; the
unshare process stays in the host's and is PID 1's parent. Leaving the `with`
block SIGKILLs PID 1, which makes the kernel kill everything else inside, so a
failed measurement never leaves processes behind. The harness only ever
signals processes inside namespaces it made.
"""

import ctypes
import os
import signal
import subprocess
import time

from . import procfs

PR_SET_PDEATHSIG = 1
ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
}


class Failure(Exception):
    """A contestant could not do what a figure needs: recorded as n/a (reason)."""


def _die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Box:
    def __init__(self, ctx, contestant, services, output="file"):
        self.ctx = ctx
        self.contestant = contestant
        self.services = list(services)
        self.output = output  # "file" (kept for diagnosis) or "pipe" (read by the caller)
        self.popen = None
        self.pid1 = None
        self.ns = None

    # -- life cycle ---------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.work = self.ctx.new_workdir(self.contestant.name)
        launch = self.contestant.launch(self.work, self.services, self.ctx)
        argv = ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child", "--"]
        if launch.prelude:
            argv += ["/bin/sh", "-c", launch.prelude + '\nexec "$@"', "sh"]
        argv += [str(a) for a in launch.argv]
        if self.output == "pipe":
            stdout = subprocess.PIPE
        else:
            stdout = open(self.work / "output.log", "wb")
        self.ctx.events.reset()
        self.started_ns = time.monotonic_ns()
        self.popen = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT,
            cwd=self.work, env={**ENV, **launch.env}, preexec_fn=_die_with_parent,
            start_new_session=True)
        if stdout is not subprocess.PIPE:
            stdout.close()
        self._find_pid1()

    def _find_pid1(self):
        own_ns = procfs.pid_ns(os.getpid())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            kids = procfs.children(self.popen.pid)
            if kids:
                ns = procfs.pid_ns(kids[0])
                if ns and ns != own_ns:
                    self.pid1, self.ns = kids[0], ns
                    return
            if self.popen.poll() is not None:
                break
            time.sleep(0.002)
        raise Failure(f"PID 1 did not start ({self.exit_words()}): {self.tail()}")

    def stop(self):
        if self.popen is None:
            return
        if self.popen.poll() is None and self.pid1:
            try:
                os.kill(self.pid1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        if self.popen.stdout:
            self.popen.stdout.close()

    # -- looking inside -----------------------------------------------------
    def alive(self):
        return self.popen.poll() is None

    def procs(self):
        return procfs.in_namespace(self.ns)

    def own_pids(self, procs=None):
        names = {s.name for s in self.services} | {"orphan"}
        return self.contestant.own_pids(procs if procs is not None else self.procs(),
                                        self.pid1, names)

    def instances(self, service, procs=None):
        """Live processes that are the service itself (for a daemon: the daemon, not its script)."""
        procs = procs if procs is not None else self.procs()
        found = [p for p in procs if p.comm == service.name and not p.zombie]
        if service.kind == "daemon":
            found = [p for p in found if procfs.exe(p.pid) == self.ctx.workloads.daemon_exe]
        return found

    def wait_running(self, services=None, timeout=None):
        """Wait until each service has a live process; return {name: pid}."""
        services = services if services is not None else self.services
        timeout = timeout or self.ctx.start_timeout
        deadline = time.monotonic() + timeout
        while True:
            procs = self.procs()
            found = {}
            for s in services:
                live = self.instances(s, procs)
                if live:
                    found[s.name] = live[0].pid
            if len(found) == len(services):
                return found
            if not self.alive():
                tail = self.tail()
                raise Failure(f"PID 1 exited ({self.exit_words()}) with {len(found)} of "
                              f"{len(services)} services up" + (f": {tail}" if tail else ""))
            if time.monotonic() > deadline:
                raise Failure(f"only {len(found)} of {len(services)} services up after "
                              f"{timeout:.0f} s")
            time.sleep(self.ctx.poll_interval)

    def settle(self, timeout=30.0):
        """The steady state: settle seconds, then until the contestant's transient
        helpers are gone (Contestant.transient_helpers); a Failure if they stay."""
        time.sleep(self.ctx.p.settle)
        left = self.wait_until(
            lambda procs: not self.contestant.transient_helpers(procs, self.pid1), timeout)
        if not left:
            raise Failure(f"transient helpers still alive after {timeout:.0f} s")

    def wait_until(self, predicate, timeout, interval=None):
        """Poll predicate(procs) until it returns something truthy; None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            got = predicate(self.procs())
            if got:
                return got
            if time.monotonic() > deadline:
                return None
            time.sleep(interval or self.ctx.poll_interval)

    def exit_words(self):
        code = self.popen.poll()
        if code is None:
            return "running"
        return f"signal {signal.Signals(-code).name[3:]}" if code < 0 else f"exit {code}"

    def tail(self, limit=400):
        """The end of PID 1's output, for a failure's reason."""
        path = self.work / "output.log"
        if self.output != "file" or not path.exists():
            return ""
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - limit))
            text = f.read().decode(errors="replace").strip()
        return " | ".join(text.splitlines()[-3:])
