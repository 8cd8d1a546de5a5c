"""What services do to their own output: a 500 MB line without a newline, a
stdout (or both streams) closed while the service goes on. tend's memory
stays bounded, nothing is lost, nothing spins."""
import os
import signal
import threading
import time

from conftest import wait_until
import faultlib

LONG = 500 * 1000 * 1000
PIECE = 16 * 1024  # docs/tend.md: a line over 16 KiB is split into pieces


class Counter:
    """Reads tend's stdout to the end, keeping counts, not the 500 MB."""

    def __init__(self, fd):
        self.fd = fd
        self.x_bytes = 0
        self.x_lines = 0
        self.longest = 0
        self.ticks_during = 0  # ticker lines seen between the first and last piece
        self.ticks = 0
        self.after = False
        self.partial = b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            data = os.read(self.fd, 1 << 20)
            if not data:
                break
            lines = (self.partial + data).split(b"\n")
            self.partial = lines.pop()
            for line in lines:
                self._line(line)
        os.close(self.fd)

    def _line(self, line):
        self.longest = max(self.longest, len(line))
        _, _, text = line.partition(b" | ")
        if text[:1] == b"x":
            self.x_lines += 1
            self.x_bytes += text.count(b"x")
        elif text == b"tick":
            self.ticks += 1
            if self.x_lines and not self.after:
                self.ticks_during += 1
        elif text == b"after the long line":
            self.after = True


def test_a_500_mb_line_is_split_and_memory_stays_bounded(tend):
    r, w = os.pipe()
    long_line = (f"sh -c 'sleep 1; head -c {LONG} /dev/zero | tr \"\\\\0\" x; echo; "
                 "echo after the long line; exec sleep 1000'")
    ticker = "sh -c 'while :; do echo tick; sleep 0.05; done'"
    t = tend(long_line, ticker, stdout=w)
    os.close(w)
    counter = Counter(r)
    time.sleep(0.5)
    base = faultlib.rss_anon_kib(t.host_pid)
    peak = base
    deadline = time.monotonic() + 120
    while not counter.after and time.monotonic() < deadline:
        peak = max(peak, faultlib.rss_anon_kib(t.host_pid))
        time.sleep(0.05)
    assert counter.after, f"no line after the long one within 120 s ({counter.x_bytes} bytes seen)"
    wait_until(lambda: counter.ticks > 5, what="ticks after the long line")
    assert counter.x_bytes == LONG, f"{LONG - counter.x_bytes} bytes of the long line lost"
    assert counter.x_lines >= LONG // PIECE, f"came out as {counter.x_lines} lines"
    assert counter.longest <= PIECE + 64, f"a line of {counter.longest} bytes"
    assert counter.ticks_during > 0, "the other service's lines stopped during the long line"
    # tend buffers at most 256 KiB per stream: a few MiB is the widest honest margin.
    assert peak - base < 8 * 1024, f"RssAnon {base} -> peak {peak} KiB during the long line"
    assert t.proc.poll() is None
    print(f"{counter.x_lines} pieces, RssAnon {base} -> peak {peak} KiB, "
          f"{counter.ticks_during} ticks during")


HELLO = "echo hello; exec >&-; while :; do sleep 1; done"
BYE = "echo bye; exec >&- 2>&-; exec sleep 1000"


def test_a_service_closing_stdout_does_not_make_tend_spin(tend):
    t = tend(f"sh -c '{HELLO}'", f"sh -c '{BYE}'")
    t.out.wait_for(r"hello$")
    t.out.wait_for(r"bye$")
    time.sleep(0.3)
    faultlib.assert_quiet(t.host_pid, "services with closed stdout/stderr")
    fds = faultlib.fd_count(t.host_pid)
    # Both are still supervised: killed, they come back and write again.
    for round_ in (2, 3):
        victim = faultlib.find(t, "sleep", "1000")
        os.kill(victim, signal.SIGKILL)
        faultlib.restarted(t, victim, "sleep", "1000")
        t.out.wait_for(r"bye$", count=round_)
    os.kill(faultlib.find(t, "sh", "-c", HELLO), signal.SIGKILL)
    t.out.wait_for(r"hello$", count=2)
    time.sleep(0.3)
    faultlib.assert_quiet(t.host_pid, "after the restarts")
    faultlib.assert_fds_back(t.host_pid, fds, "after restarts of services that close stdout")
