"""Black-box harness: runs the real tend binary as PID 1 of a fresh PID
namespace (unshare --fork --pid --mount-proc) and watches it from outside."""
import fcntl
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEND = os.environ.get("TEND_BIN", os.path.join(ROOT, "build", "dev", "tend"))


def children_of(pid):
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(p) for p in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def descendants(pid):
    """Breadth first: tend's children in the order they were forked, then
    theirs (a service's command under its lineage shim)."""
    found, todo = [], [pid]
    while todo:
        for child in children_of(todo.pop(0)):
            found.append(child)
            todo.append(child)
    return found


def is_shim(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip() == "tend-lineage"
    except (FileNotFoundError, ProcessLookupError):
        return False


def proc_stat(pid):
    """(state, comm) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    comm = data[data.index("(") + 1 : data.rindex(")")]
    state = data[data.rindex(")") + 2]
    return state, comm


def status_field(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1:]
    return None


def install_quietly(packages, timeout=900):
    """Installs Debian packages if missing (scripts/deps), with a
    policy-rc.d that keeps their scripts from starting the daemons on this
    machine, and host keys for sshd. Under a lock: scripts/test runs suites
    against two builds at once, and one must not remove the policy-rc.d
    while the other installs."""
    with open("/tmp/tend-test-lineage-deps.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        policy = "/usr/sbin/policy-rc.d"
        had_policy = os.path.exists(policy)
        if not had_policy:
            with open(policy, "w") as f:
                f.write("#!/bin/sh\nexit 101\n")
            os.chmod(policy, 0o755)
        try:
            subprocess.run([os.path.join(ROOT, "scripts", "deps"), *packages], check=True,
                           timeout=timeout)
            if os.path.isdir("/etc/ssh") and not any(
                    f.startswith("ssh_host_") for f in os.listdir("/etc/ssh")):
                subprocess.run(["ssh-keygen", "-A"], check=True)
        finally:
            if not had_policy:
                os.unlink(policy)


class Stream:
    """Collects a pipe's lines in a thread; waits for patterns."""

    def __init__(self, pipe):
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self.thread.start()

    def _pump(self, pipe):
        for raw in iter(pipe.readline, b""):
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()
        pipe.close()

    def wait_for(self, pattern, timeout=5.0, count=1):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hits = [l for l in self.lines if rx.search(l)]
                if len(hits) >= count:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no {count}x /{pattern}/ within {timeout}s; got:\n" + "\n".join(self.lines[-40:]))
                self.cond.wait(left)

    def matching(self, pattern):
        rx = re.compile(pattern)
        with self.cond:
            return [l for l in self.lines if rx.search(l)]

    def text(self):
        with self.cond:
            return "\n".join(self.lines)


class Tend:
    """tend running as PID 1 in its own PID namespace."""

    def __init__(self, args, env=None, pid1=True, stdout=subprocess.PIPE, netns=False, wrap=()):
        """wrap: a command that execs the rest, run in front of tend, e.g.
        ["prlimit", "--nofile=64:64", "--"] to start tend under a limit."""
        full_env = dict(os.environ)
        full_env.pop("NO_COLOR", None)
        full_env["TEND_CONTROL"] = ""  # no socket in the machine's /run; tests that want one set it
        full_env["TEND_SYSLOG"] = ""  # nor the machine's /dev/log (tend is PID 1 here); likewise
        full_env.update(env or {})
        prefix = ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child"] if pid1 else []
        command = list(wrap) + [TEND] + list(args)
        if netns:  # a fresh network namespace with loopback up; sh execs tend
            prefix.append("--net")
            command = ["sh", "-c", 'ip link set lo up && exec "$0" "$@"'] + command
        self.proc = subprocess.Popen(prefix + command, stdout=stdout,
                                     stderr=subprocess.PIPE, env=full_env, start_new_session=True)
        self.out = Stream(self.proc.stdout) if stdout == subprocess.PIPE else None
        self.err = Stream(self.proc.stderr)
        self.pid1 = pid1
        self.host_pid = self._find_tend()

    def _find_tend(self):
        if not self.pid1:
            return self.proc.pid
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            kids = children_of(self.proc.pid)
            if kids:
                return kids[0]
            if self.proc.poll() is not None:
                return None  # already done: tests of quick exits only wait()
            time.sleep(0.005)
        raise AssertionError("tend did not start")

    def signal(self, sig):
        os.kill(self.host_pid, sig)

    def processes(self):
        """Host pids of every process under tend, tend and its own lineage
        shims excluded (tend's short-lived helpers, not services')."""
        return [p for p in descendants(self.host_pid) if not is_shim(p)]

    def shims(self):
        """Host pids of tend's lineage shims alive now."""
        return [p for p in descendants(self.host_pid) if is_shim(p)]

    def zombies(self):
        return [p for p in self.processes() if (proc_stat(p) or ("?",))[0] == "Z"]

    def service_pid(self, comm, timeout=5.0):
        """Host pid of the first process under tend named `comm`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.processes():
                st = proc_stat(p)
                if st and st[1] == comm and st[0] != "Z":
                    return p
            time.sleep(0.005)
        raise AssertionError(f"no process named {comm} under tend")

    def run_inside(self, script, timeout=20):
        """Runs a shell script inside tend's PID, mount and network namespaces."""
        return subprocess.run(["nsenter", "-t", str(self.host_pid), "-p", "-m", "-n", "sh", "-c", script],
                              capture_output=True, text=True, timeout=timeout)

    def wait(self, timeout=15.0):
        rc = self.proc.wait(timeout=timeout)
        self.err.thread.join(2)
        if self.out:
            self.out.thread.join(2)
        return rc

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)


@pytest.fixture
def tend():
    started = []

    def start(*args, **kw):
        t = Tend(args, **kw)
        started.append(t)
        return t

    yield start
    for t in started:
        t.stop()


@pytest.fixture
def ctl():
    """tendctl at a control socket of the test's own: `ctl("status")`;
    tend gets it with env={"TEND_CONTROL": ctl.sock}."""
    tmp = tempfile.mkdtemp(prefix="tendctl-")
    link = os.path.join(tmp, "tendctl")
    os.symlink(TEND, link)
    sock = os.path.join(tmp, "tend.sock")

    def run(*args, timeout=10, socket_path=None):
        return subprocess.run([link, "--socket", socket_path or sock, *args], capture_output=True,
                              text=True, timeout=timeout)
    run.sock = sock
    yield run
    shutil.rmtree(tmp, ignore_errors=True)


def wait_until(predicate, timeout=5.0, interval=0.01, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
