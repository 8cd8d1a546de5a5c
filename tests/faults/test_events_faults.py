"""Event streams (issue 17) against readers that misbehave: a `tendctl
events` client and an /events (SSE) client that never read while ten
services crash-loop, and a hundred followers that come and go. The
invariants: tend keeps answering, drops the stalled readers at their bound
(1 MiB on the control socket, 256 KiB on HTTP) with one warning, and its
fds and RssAnon come back."""
import json
import os
import socket
import subprocess
import time

from conftest import wait_until
import faultlib

LOOPERS = 10


def config(tmp_path, port):
    # Ten lines of 500 bytes a run: each exit event carries them (about 5 KB).
    services = {f"loop{k}": ('command = ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo ' + "x" * 500
                             + '; done; exit 1"]\n'
                             'backoff_initial = "20ms"\nbackoff_max = "20ms"\nstart_limit = 0\n')
                for k in range(LOOPERS)}
    return faultlib.write_config(tmp_path / "tend.toml", services,
                                 extra=f'[tend]\nhttp_listen = "127.0.0.1:{port}"\n')


def raw_events_client(sock_path):
    """Asks for every event, then never reads."""
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.connect(sock_path)
    c.sendall(b'{"v":1,"cmd":"events"}\n')
    return c


def raw_sse_client(port):
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.connect(("127.0.0.1", port))
    c.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    return c


def test_stalled_event_readers_are_dropped_and_tend_keeps_answering(tend, ctl, tmp_path):
    port = faultlib.free_tcp_port()
    t = tend("--config", config(tmp_path, port), env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    t.err.wait_for(r"serving .*/events")
    time.sleep(1)
    baseline = faultlib.fd_count(t.host_pid)
    stalled = [raw_events_client(ctl.sock), raw_sse_client(port)]
    try:
        t.err.wait_for(r"control: dropped a client that does not read", timeout=90)
        began = time.monotonic()
        r = ctl("--json", "status", "loop0")
        assert r.returncode == 0 and json.loads(r.stdout)["services"][0]["name"] == "loop0"
        assert time.monotonic() - began < 3
    finally:
        for s in stalled:
            s.close()
    # The SSE one: its server side is gone once its backlog bound was hit or
    # once it closed; either way tend's fds come back.
    faultlib.assert_fds_back(t.host_pid, baseline, "after two stalled event readers", margin=3)
    assert t.zombies() == []


def test_a_hundred_followers_come_and_go(tend, ctl, tmp_path):
    port = faultlib.free_tcp_port()
    t = tend("--config", config(tmp_path, port), env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    link = os.path.join(os.path.dirname(ctl.sock), "tendctl")
    for _ in range(10):  # warm-up: the output rings fill, buffers reach their sizes
        subprocess.run(["timeout", "0.3", link, "--socket", ctl.sock, "events"], capture_output=True)
        subprocess.run(["curl", "-sN", "--max-time", "0.3", f"http://127.0.0.1:{port}/events"],
                       capture_output=True)
    baseline, rss = faultlib.fd_count(t.host_pid), faultlib.rss_anon_kib(t.host_pid)
    samples = []
    heard = 0
    for k in range(100):
        if k % 2:
            subprocess.run(["curl", "-sN", "--max-time", "0.3", f"http://127.0.0.1:{port}/events"],
                           capture_output=True)
        else:
            r = subprocess.run(["timeout", "0.3", link, "--socket", ctl.sock, "events"],
                               capture_output=True, text=True)
            assert r.returncode == 124, r  # it follows until stopped
            heard += " loop" in r.stdout
        if k % 25 == 24:
            samples.append(faultlib.rss_anon_kib(t.host_pid) - rss)
    print("RssAnon growth every 25 followers (KiB):", samples)
    assert heard >= 25, heard  # most heard an event (a busy machine may delay a few)
    faultlib.assert_fds_back(t.host_pid, baseline, "after 100 followers", margin=3)
    grown = faultlib.rss_anon_kib(t.host_pid) - rss
    print("100 followers: RssAnon +%d KiB" % grown)
    assert grown < faultlib.RSS_MARGIN_KIB


def test_hooks_of_crash_loops_leave_nothing_behind(tend, tmp_path):
    """Five services crash-looping every ~20 ms, each with a hook on every
    exit: hooks run (coalesced), no zombie is left, tend's fds come back."""
    services = {f"loop{k}": ('command = ["sh", "-c", "exit 1"]\n'
                             'backoff_initial = "20ms"\nbackoff_max = "20ms"\nstart_limit = 0\n'
                             'hooks = { exited = ["sh", "-c", "sleep 0.05"], '
                             'restarting = "true" }\n')
                for k in range(5)}
    t = tend("--config", faultlib.write_config(tmp_path / "tend.toml", services))
    time.sleep(1)
    baseline = faultlib.fd_count(t.host_pid)
    time.sleep(4)
    runs = len(t.err.matching(r"hook for 'exited' .* started"))
    starts = len(t.err.matching(r"loop\d: started"))
    print(f"hooks: {runs} exited-hook runs for {starts} starts")
    assert runs >= 20 and starts >= runs
    assert "cannot start" not in t.err.text()
    faultlib.assert_fds_back(t.host_pid, baseline, "with hooks running", margin=12)
    t.signal(15)
    t.wait(timeout=20)  # its status is the crash loops' (1); that it ends is the point
    assert "exiting with status" in t.err.text()
