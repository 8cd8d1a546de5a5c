"""Measuring helpers of the fault suite: what a process costs and holds,
read from /proc from outside, with no helper thread.

tend is single-threaded, so /proc/PID/stat (the whole process) is enough;
every reader returns None when the process is gone. Margins are wide on
purpose: the machine has 2 CPUs shared with other builds, and the ASan
build is 2-3 times slower. test_faultlib.py checks that each measure sees
the defect it is there for (a spinning process, a leaking one).
"""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from conftest import TEND, wait_until

CLK_TCK = os.sysconf("SC_CLK_TCK")

# The invariants' margins, in one place.
SPIN_SHARE = 0.10      # a quiet tend uses less than 10 % of one CPU ...
QUIET_WINDOW = 2.0     # ... over this many seconds
FD_MARGIN = 5          # fds within +5 of the baseline
RSS_MARGIN_KIB = 512   # RssAnon within +512 KiB after warm-up


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None


def cpu_seconds(pid):
    """utime + stime of a process (fields 14 and 15 of /proc/PID/stat), seconds."""
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    rest = text[text.rindex(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def cpu_share(pid, window=QUIET_WINDOW):
    """Share of one CPU the process used over the next `window` seconds."""
    before, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(window)
    after, t1 = cpu_seconds(pid), time.monotonic()
    if before is None or after is None:
        raise AssertionError(f"process {pid} vanished while measured")
    return (after - before) / (t1 - t0)


def assert_quiet(pid, what, window=QUIET_WINDOW, limit=SPIN_SHARE):
    share = cpu_share(pid, window)
    assert share < limit, f"{what}: tend used {share:.0%} of a CPU over {window:g} s (spinning)"
    return share


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return None


def fd_targets(pid):
    """What each open fd is (for a failure message)."""
    out = {}
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                pass
    except OSError:
        pass
    return out


def rss_anon_kib(pid):
    text = _read(f"/proc/{pid}/status")
    if text is None:
        return None
    m = re.search(r"^RssAnon:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else None


def settle_fds(pid, baseline, margin=FD_MARGIN, timeout=10.0):
    """Waits until the fd count is within margin of baseline; returns it (or
    the last count seen, for the assertion's message)."""
    deadline = time.monotonic() + timeout
    while True:
        n = fd_count(pid)
        if n is not None and n <= baseline + margin or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def assert_fds_back(pid, baseline, what, margin=FD_MARGIN, timeout=10.0):
    n = settle_fds(pid, baseline, margin, timeout)
    assert n is not None and n <= baseline + margin, (
        f"{what}: tend holds {n} fds, baseline {baseline} (+{margin} allowed): "
        + ", ".join(sorted(set(fd_targets(pid).values())))[:600])
    return n


def zombies_under(t):
    return t.zombies()


def wait_log(t, pattern, timeout=10.0, count=1):
    return t.err.wait_for(pattern, timeout=timeout, count=count)


def restarted(t, old_pid, *argv, timeout=10.0):
    """Host pid of the process running argv under tend once it is not old_pid."""
    def look():
        for p in t.processes():
            st = _stat(p)
            if st and st[0] != "Z" and p != old_pid and cmdline(p) == list(argv):
                return p
        return None
    return wait_until(look, timeout=timeout, what=f"{' '.join(argv)} restarted")


def cmdline(pid):
    text = _read(f"/proc/{pid}/cmdline")
    return text.split("\0")[:-1] if text else []


def find(t, *argv, timeout=5.0):
    """Host pid of the live process under tend whose command line is argv
    (tendctl reports pids as seen inside tend's namespace)."""
    def look():
        for p in t.processes():
            st = _stat(p)
            if st and st[0] != "Z" and cmdline(p) == list(argv):
                return p
        return None
    return wait_until(look, timeout=timeout, what=f"a process {' '.join(argv)} under tend")


def _stat(pid):
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    return text[text.rindex(")") + 2], text[text.index("(") + 1:text.rindex(")")]


# -- the control socket ------------------------------------------------------

class Ctl:
    """tendctl (the tend binary under the name tendctl) for one socket path,
    in a short private directory (sun_path holds 108 bytes)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tf-")
        self.link = os.path.join(self.dir, "tendctl")
        os.symlink(TEND, self.link)
        self.sock = os.path.join(self.dir, "tend.sock")

    def __call__(self, *args, timeout=20, sock=None):
        return subprocess.run([self.link, "--socket", sock or self.sock, *args],
                              capture_output=True, text=True, timeout=timeout)

    def status(self, name=None):
        r = self("--json", "status", *([name] if name else []))
        assert r.returncode == 0, f"tendctl status failed ({r.returncode}): {r.stderr}"
        services = json.loads(r.stdout)["services"]
        return services[0] if name else {s["name"]: s for s in services}

    def timed(self, *args, timeout=20):
        """(result, seconds) of a tendctl run; result None when it did not
        finish within timeout (tend not answering)."""
        t0 = time.monotonic()
        try:
            r = self(*args, timeout=timeout)
        except subprocess.TimeoutExpired:
            r = None
        return r, time.monotonic() - t0

    def answers(self, within=3.0, what="tendctl status"):
        """Asserts tendctl status succeeds within `within` seconds; returns the time."""
        r, took = self.timed("status", timeout=within + 10)
        assert r is not None, f"{what}: no answer within {within + 10:g} s"
        assert r.returncode == 0, f"{what}: status {r.returncode}: {r.stderr.strip()}"
        assert took < within, f"{what}: answered after {took:.1f} s"
        return took

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def request(sock_path, obj, timeout=5.0):
    """One JSON-lines request; the first reply line as a dict."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(json.dumps(obj).encode() + b"\n")
        data = b""
        while b"\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return json.loads(data.split(b"\n")[0])


def free_tcp_port():
    """A port free on 127.0.0.1 right now (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path, services, extra=""):
    """A tend.toml with one [services.NAME] per item of {name: toml_body}."""
    text = extra + "\n" + "".join(f"[services.{n}]\n{body}\n" for n, body in services.items())
    path.write_text(text)
    return str(path)
