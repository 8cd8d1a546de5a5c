"""Syslog faults (issue 15), black-box: anyone may write to tend's syslog
socket, as fast and as oddly as they like. tend must stay bounded in CPU,
memory and fds, keep other services' output flowing, count what it drops,
never spin while its output is stalled, and survive its socket file being
removed or replaced.

Measured on the 2-CPU test machine (release build, others' builds and
benchmarks running, load 5 to 11), over 5 runs:
- flood, 100,000 datagrams (4 sender processes x 25,000, blocking sends):
  received in 0.95 to 2.05 s (49,000 to 106,000 messages/s), 40,000
  written and 60,000 dropped (the rate limit) and counted, for 0.27 to
  0.66 s of tend's CPU (2.7 to 6.6 ms per 1,000 received); RssAnon from
  ~190 to ~600-660 KiB (the 32 x 8 KiB receive buffers, output buffers);
  fds flat; another service's lines 12 to 320 ms behind their printing.
- 2,000 short-lived senders: 6 to 17 s (process creation is slow here),
  0.39 to 0.60 s of tend's CPU, RssAnon ~110 -> ~600 KiB, none dropped.
- stalled stdout: the sender blocks after ~1,250 1-KiB messages (tend's
  1 MiB pipe and 256 KiB buffer), tend at 0.0 % of a CPU meanwhile.
- SIGTERM during a flood: tend exits in 16 to 68 ms.
The margins below are 6 to 10 times that.
"""
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import wait_until
from faultlib import assert_fds_back, assert_quiet, cpu_seconds, fd_count, rss_anon_kib

PY = "/usr/bin/python3"
PORT = 9464
F_GETPIPE_SZ = 1032

# 100,000 datagrams: wide margins over what was measured (module docstring).
FLOOD_CPU_LIMIT = 5.0         # tend's CPU seconds for the whole flood
FLOOD_RSS_GROWTH_KIB = 4096   # RssAnon growth over the flood
FLOOD_TIME_LIMIT = 30.0       # the senders' wall time (blocked while tend is busy)


@pytest.fixture
def sock():
    d = tempfile.mkdtemp(prefix="slf-")
    yield os.path.join(d, "log")
    shutil.rmtree(d, ignore_errors=True)


def write_config(path, services, tend_section=""):
    text = "[tend]\n" + tend_section + "\n"
    for name, argv in services.items():
        text += f"[services.{name}]\ncommand = {json.dumps(argv)}\n"
    path.write_text(text)
    return str(path)


# Forks PROCS senders once GO exists; each sends EACH datagrams, blocking
# (a sender waits while tend does not read, as syslog(3) does). Writes the
# flood's start and end times to RESULT, then stays (a service that stays up).
FLOOD = r"""
import json, os, socket, sys, time
path, procs, each, go, result = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
while not os.path.exists(go):
    time.sleep(0.02)
t0 = time.time()
kids = []
for p in range(procs):
    pid = os.fork()
    if pid == 0:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.connect(path)
        me = os.getpid()
        pad = b"x" * 60
        for i in range(each):
            s.send(b"<14>flood[%d]: m %d %s" % (me, i, pad))
        os._exit(0)
    kids.append(pid)
for k in kids:
    os.waitpid(k, 0)
with open(result + ".tmp", "w") as f:
    json.dump({"start": t0, "end": time.time()}, f)
os.rename(result + ".tmp", result)
time.sleep(1000)
"""

# A line every 50 ms with its own wall time.
TICKER = r"""
import sys, time
i = 0
while True:
    print("tick %d %.3f" % (i, time.time()), flush=True)
    i += 1
    time.sleep(0.05)
"""


class Tail:
    """Follows a file tend writes its stdout to, noting when each line of
    interest arrived."""

    def __init__(self, path, pattern):
        self.path, self.rx = path, re.compile(pattern)
        self.arrivals = []  # (arrival time, line)
        self.count = 0
        self.stopped = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        with open(self.path, "rb") as f:
            rest = b""
            while not self.stopped:
                chunk = f.read(1 << 20)
                if not chunk:
                    time.sleep(0.01)
                    continue
                now = time.time()
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                for raw in lines:
                    self.count += 1
                    text = raw.decode(errors="replace")
                    if self.rx.search(text):
                        self.arrivals.append((now, text))

    def stop(self):
        self.stopped = True
        self.thread.join(2)


def metrics(t):
    r = t.run_inside(f"curl -s -m 5 http://127.0.0.1:{PORT}/metrics")
    assert r.returncode == 0, f"curl failed: {r.returncode} {r.stderr}"
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^(tend_syslog_\w+) (\d+)", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def start_flood_tend(tend, tmp_path, sock, procs, each):
    (tmp_path / "flood.py").write_text(FLOOD)
    (tmp_path / "ticker.py").write_text(TICKER)
    cfg = write_config(tmp_path / "tend.toml", {
        "ticker": [PY, str(tmp_path / "ticker.py")],
        "flood": [PY, str(tmp_path / "flood.py"), sock, str(procs), str(each),
                  str(tmp_path / "go"), str(tmp_path / "result")],
    })
    out = open(tmp_path / "out.txt", "wb")
    t = tend("--syslog", sock, "--http-listen", f"127.0.0.1:{PORT}", "--config", cfg,
             netns=True, stdout=out)
    out.close()
    t.err.wait_for(r"^tend: ticker: started")
    t.err.wait_for(r"^tend: flood: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    return t


def test_flood_bounded_counted_and_others_flow(tend, tmp_path, sock):
    procs, each = 4, 25000
    total = procs * each
    t = start_flood_tend(tend, tmp_path, sock, procs, each)
    tail = Tail(str(tmp_path / "out.txt"), r"^ticker\s* \| tick ")
    try:
        time.sleep(0.5)
        cpu0, rss0, fds0 = cpu_seconds(t.host_pid), rss_anon_kib(t.host_pid), fd_count(t.host_pid)
        (tmp_path / "go").touch()
        wait_until(lambda: (tmp_path / "result").exists(), timeout=FLOOD_TIME_LIMIT + 10,
                   interval=0.05, what="the flood's end")
        result = json.loads((tmp_path / "result").read_text())
        cpu1, rss1 = cpu_seconds(t.host_pid), rss_anon_kib(t.host_pid)
        took = result["end"] - result["start"]
        time.sleep(0.5)  # the ticker's lines after the flood
        ticks = [(arrived, float(text.split()[-1])) for arrived, text in tail.arrivals]
    finally:
        tail.stop()
    print(f"flood: {total} datagrams in {took:.2f} s ({total / took:.0f}/s received), "
          f"tend CPU {cpu1 - cpu0:.2f} s ({(cpu1 - cpu0) * 1000 / total * 1000:.1f} ms per 1000), "
          f"RssAnon {rss0} -> {rss1} KiB, fds {fds0}")
    assert took < FLOOD_TIME_LIMIT, f"the flood took {took:.1f} s"
    assert cpu1 - cpu0 < FLOOD_CPU_LIMIT, f"tend used {cpu1 - cpu0:.2f} s of CPU for the flood"
    assert rss1 - rss0 < FLOOD_RSS_GROWTH_KIB, f"RssAnon {rss0} -> {rss1} KiB"

    # The ticker's lines kept flowing: during the flood, each came out
    # within half the flood's time (and a second) of being printed, and
    # none is missing. A tend that drained the socket before its pipes
    # would hold them for about the whole flood. Measured: 10-50 ms, 320 ms
    # once under load.
    during = [(a, s) for a, s in ticks if result["start"] <= s <= result["end"]]
    assert len(during) >= max(1, int(took / 0.05 * 0.2)), f"{len(during)} ticks during {took:.2f} s"
    lag = max(a - s for a, s in ticks)
    print(f"ticker: {len(during)} lines during the flood, worst lag {lag * 1000:.0f} ms")
    assert lag < min(1.0, took / 2), f"a ticker line came out {lag:.2f} s after it was printed"
    numbers = [int(text.split()[3]) for _, text in tail.arrivals]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), "ticker lines lost"

    # Each sender's first 10,000 per 10 s are written, the rest dropped and
    # counted: in /metrics at once, and as one warning per sender when its
    # window ends (10 s after its first message).
    m = metrics(t)
    assert m["tend_syslog_messages_total"] + m["tend_syslog_dropped_total"] == total, m
    assert m["tend_syslog_dropped_total"] >= total - procs * 10000 * (1 + int(took // 10)), m
    assert m["tend_syslog_truncated_total"] == 0, m
    warnings = t.err.wait_for(r"^tend: syslog: pid \d+ \(flood\) sent more than 10000 messages in 10\.0s; "
                              r"\d+ dropped$", timeout=15, count=procs)
    dropped = sum(int(w.split("; ")[1].split()[0]) for w in warnings)
    print(f"drops: {m['tend_syslog_dropped_total']} counted, {len(warnings)} warnings")
    assert dropped == m["tend_syslog_dropped_total"], (warnings, m)
    with open(tmp_path / "out.txt", "rb") as f:
        written = sum(1 for l in f if re.match(rb"^flood\s* \| m \d+ x{60}$", l))
    assert written == m["tend_syslog_messages_total"], (written, m)
    assert_fds_back(t.host_pid, fds0, "after the flood")
    assert_quiet(t.host_pid, "after the flood")


# Forks N senders, at most 50 at a time: each sends one datagram and exits.
# In C: a process is expensive on the test machine (a Python fork takes
# ~20 ms, posix_spawn of logger ~12 ms; this ~2.5 ms).
STORM_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
  int n = atoi(argv[2]);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  int alive = 0;
  for (int i = 0; i < n; i++) {
    if (alive >= 50) { wait(NULL); alive--; }
    pid_t p = fork();
    if (p == 0) {
      int s = socket(AF_UNIX, SOCK_DGRAM, 0);
      char msg[64];
      int len = snprintf(msg, sizeof msg, "<14>storm: one %d", i);
      if (sendto(s, msg, len, 0, (struct sockaddr*)&a, sizeof a) != len) _exit(1);
      _exit(0);
    }
    if (p < 0) return 1;
    alive++;
  }
  while (alive-- > 0) wait(NULL);
  return 0;
}
"""


def test_storm_of_short_lived_senders(tend, tmp_path, sock):
    n = 2000
    if not shutil.which("cc"):
        pytest.skip("no C compiler (cc) for the storm's sender")
    (tmp_path / "storm.c").write_text(STORM_C)
    subprocess.run(["cc", "-O2", "-o", str(tmp_path / "storm"), str(tmp_path / "storm.c")],
                   check=True, timeout=60)
    go, result = tmp_path / "go", tmp_path / "result"
    cfg = write_config(tmp_path / "tend.toml", {
        "storm": ["sh", "-c", f"while [ ! -e {go} ]; do sleep 0.02; done; "
                              f"{tmp_path}/storm {sock} {n}; echo $? > {result}; exec sleep 1000"],
    })
    out = open(tmp_path / "out.txt", "wb")
    t = tend("--syslog", sock, "--http-listen", f"127.0.0.1:{PORT}", "--config", cfg,
             netns=True, stdout=out)
    out.close()
    t.err.wait_for(r"^tend: storm: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    time.sleep(0.3)
    cpu0, rss0, fds0 = cpu_seconds(t.host_pid), rss_anon_kib(t.host_pid), fd_count(t.host_pid)
    t0 = time.monotonic()
    go.touch()
    wait_until(lambda: result.exists() and result.read_text().strip(), timeout=60, interval=0.05,
               what="the storm's end")
    took = time.monotonic() - t0
    assert result.read_text().strip() == "0", "a sender failed"
    wait_until(lambda: metrics(t).get("tend_syslog_messages_total") == n, timeout=10,
               what=f"{n} messages counted")
    cpu1, rss1 = cpu_seconds(t.host_pid), rss_anon_kib(t.host_pid)
    m = metrics(t)
    print(f"storm: {n} senders in {took:.2f} s, tend CPU {cpu1 - cpu0:.2f} s, "
          f"RssAnon {rss0} -> {rss1} KiB")
    # Each of them is one message: none dropped (more than 256 senders in a
    # window share one budget of 10,000), every one written, under the
    # service (traced, or by its tag, which is the service's name).
    assert m["tend_syslog_dropped_total"] == 0, m
    with open(tmp_path / "out.txt", "rb") as f:
        got = sorted(int(l.split()[-1]) for l in f if re.match(rb"^storm\s* \| one \d+$", l))
    assert got == list(range(n)), f"{len(got)} of {n} lines"
    # tend looked up to 2,000 pids up in /proc: bounded (measured: ~0.3 s).
    assert cpu1 - cpu0 < 5.0, f"tend used {cpu1 - cpu0:.2f} s of CPU for {n} senders"
    assert rss1 - rss0 < 2048, f"RssAnon {rss0} -> {rss1} KiB"
    # One more, over 8 KiB: cut, and counted as such.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"<14>storm: long " + b"L" * 9000, sock)
    s.close()
    wait_until(lambda: metrics(t).get("tend_syslog_truncated_total") == 1, timeout=5,
               what="the long datagram counted as cut")
    assert metrics(t)["tend_syslog_messages_total"] == n + 1
    assert_fds_back(t.host_pid, fds0, "after the storm")
    assert_quiet(t.host_pid, "after the storm")


def test_passed_fds_are_closed(tend, sock):
    t = tend("--syslog", sock, "sleep 1000")
    t.err.wait_for(r"^tend: sleep: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    time.sleep(0.2)
    fds0 = fd_count(t.host_pid)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(sock)
    readers = []
    # 200 datagrams with 3 fds each, and 20 with 20 (more than tend makes
    # room for: the kernel drops what does not fit). Each passed fd is a
    # pipe's write end: once tend (and the kernel) closed every copy, its
    # read end sees EOF.
    for i, per in [(i, 3) for i in range(200)] + [(i, 20) for i in range(200, 220)]:
        pipes = [os.pipe() for _ in range(per)]
        s.sendmsg([b"<14>fds: with fds %d" % i],
                  [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes(memoryview(
                      b"".join(w.to_bytes(4, "little") for _, w in pipes))))])
        for r, w in pipes:
            os.close(w)
            readers.append(r)
    s.close()
    t.out.wait_for(r"^fds\s* \| with fds 219$", timeout=10)
    assert len(t.out.matching(r"^fds\s* \| with fds \d+$")) == 220
    assert_fds_back(t.host_pid, fds0, "after fds passed to the syslog socket", margin=0, timeout=5)
    try:
        for r in readers:
            os.set_blocking(r, False)
            try:
                data = os.read(r, 1)
            except BlockingIOError:
                raise AssertionError("a pipe's write end passed to tend is still open somewhere")
            assert data == b""
    finally:
        for r in readers:
            os.close(r)


def test_stalled_stdout_reader(tend, sock):
    """tend's stdout is a pipe nobody reads: tend stops reading the socket, so
    senders wait in the kernel, but for 2 s at most (documented): then what
    comes is read and dropped, and counted once the output flows again. tend
    does not spin meanwhile, and every message it took before is written, in
    order, when the reader resumes."""
    rfd, wfd = os.pipe()
    t = tend("--syslog", sock, "sleep 1000", stdout=wfd)
    os.close(wfd)
    t.err.wait_for(r"^tend: sleep: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(sock)
    s.settimeout(1.0)
    pad = b"p" * 1000
    sent = 0
    blocked = False
    # The pipe and tend's 256 KiB of buffer fill up, a few more wait in the
    # socket: far fewer than the rate limit (10,000).
    for i in range(5000):
        try:
            s.send(b"<14>stall: n %d %s" % (i, pad))
        except socket.timeout:
            blocked = True
            break
        sent += 1
    # tend may enlarge its stdout pipe (it did, to 1 MiB): what it took is
    # bounded by the pipe's size, its 256 KiB buffer and a batch more.
    pipe_size = fcntl.fcntl(rfd, F_GETPIPE_SZ)
    print(f"stalled: the sender blocked after {sent} messages (pipe size {pipe_size})")
    assert blocked, f"{sent} messages sent into a stalled tend without blocking"
    assert sent * len(pad) < pipe_size + 512 * 1024, f"tend took {sent} KB while its stdout was stalled"
    # Past the 2 s bound, sending works again: tend reads and drops.
    s.settimeout(10)
    start = time.monotonic()
    for i in range(20):
        s.send(b"<14>stall: dropped %d" % i)
    took = time.monotonic() - start
    print(f"stalled: 20 more sends took {took:.2f} s")
    assert took < 4.0, f"a sender was held {took:.1f} s by a stalled reader (bound: 2 s)"
    share = assert_quiet(t.host_pid, "stdout stalled, messages dropped")
    print(f"stalled: tend used {share:.1%} of a CPU")
    assert t.proc.poll() is None

    # The reader resumes: what tend took is written, once, in order; the
    # drops are counted; new messages flow again.
    got = []

    def drain():
        buf = b""
        with os.fdopen(rfd, "rb", buffering=0) as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    break
                buf += chunk
                *lines, buf = buf.split(b"\n")
                got.extend(lines)
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    said = (r"syslog: tend's output was backed up for [\d.]+s; (\d+) messages "
            r"that came after the first 2\.0s were dropped")
    warning = re.search(said, t.err.wait_for(said, timeout=10)[0])
    s.send(b"<14>stall: after")
    s.close()
    wait_until(lambda: any(l.endswith(b"| after") for l in got), timeout=10,
               what="the message sent after the reader resumed")
    numbers = [int(l.split()[3]) for l in got if re.match(rb"^stall\s* \| n \d+ p{1000}$", l)]
    # Those still queued in the kernel when the 2 s ran out are dropped too:
    # every message is either written, in order, or counted.
    assert numbers == list(range(len(numbers))), "lines out of order or repeated"
    assert sent - len(numbers) <= 64, f"{len(numbers)} lines of the {sent} sent before the stall"
    assert int(warning.group(1)) == 20 + sent - len(numbers), (warning.group(0), sent, len(numbers))
    assert not [l for l in got if b"| dropped " in l], "messages read while stalled were written"
    t.signal(signal.SIGTERM)
    assert t.wait() == 0


def test_socket_file_removed_or_replaced(tend, sock):
    t = tend("--syslog", sock, "sleep 1000")
    t.err.wait_for(r"^tend: sleep: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    probe.sendto(b"<14>probe: one", sock)
    t.out.wait_for(r"^probe\s* \| one$")
    fds0 = fd_count(t.host_pid)

    # Removed: nothing reaches tend by that path any more; it runs on.
    os.unlink(sock)
    with pytest.raises(FileNotFoundError):
        probe.sendto(b"<14>probe: lost", sock)
    # Replaced by another process's socket: that one receives, not tend.
    rival = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rival.bind(sock)
    rival.settimeout(2)
    probe.sendto(b"<14>probe: to the rival", sock)
    assert rival.recv(100) == b"<14>probe: to the rival"
    assert_quiet(t.host_pid, "its socket file replaced")
    assert t.proc.poll() is None
    assert fd_count(t.host_pid) == fds0
    # tend's exit leaves the rival's socket alone: it is not tend's own.
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    assert os.path.exists(sock)
    probe.sendto(b"<14>probe: still the rival's", sock)
    assert rival.recv(100) == b"<14>probe: still the rival's"
    rival.close()
    os.unlink(sock)
    assert not t.out.matching("lost|rival"), t.out.text()

    # Replaced by a regular file: not removed at exit either.
    t = tend("--syslog", sock, "sleep 1000")
    t.err.wait_for(r"^tend: sleep: started")
    wait_until(lambda: os.path.exists(sock), what="syslog socket")
    os.unlink(sock)
    with open(sock, "w") as f:
        f.write("someone's file\n")
    time.sleep(0.2)
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    with open(sock) as f:
        assert f.read() == "someone's file\n"
    probe.close()


def test_sigterm_during_flood(tend, tmp_path, sock):
    """SIGTERM while 4 processes flood: tend ends promptly (its services end
    on SIGTERM), with status 0, and its socket removed."""
    procs, each = 4, 1_000_000  # longer than the test: still flooding at SIGTERM
    t = start_flood_tend(tend, tmp_path, sock, procs, each)
    (tmp_path / "go").touch()
    wait_until(lambda: os.path.getsize(tmp_path / "out.txt") > 1_000_000, timeout=20,
               what="the flood under way")
    assert not (tmp_path / "result").exists(), "the flood ended before SIGTERM"
    asked = time.monotonic()
    t.signal(signal.SIGTERM)
    rc = t.wait(timeout=20)
    took = time.monotonic() - asked
    print(f"SIGTERM during the flood: exited {rc} after {took * 1000:.0f} ms")
    assert rc == 0, t.err.text()[-2000:]
    assert took < 3.0, f"tend took {took:.1f} s to exit during a flood"
    assert not os.path.exists(sock), "the socket file was left behind"
