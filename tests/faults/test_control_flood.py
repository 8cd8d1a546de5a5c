"""Floods of control connections: a thousand at once, and a few hundred
against a tend that has only 64 fds. Every client is answered or refused
cleanly, tend stays responsive, its fds come back to the baseline."""
import json
import os
import resource
import selectors
import signal
import socket
import time

import pytest

from conftest import wait_until
import faultlib

STATUS = b'{"v":1,"cmd":"status"}\n'


class Flood:
    """n non-blocking connections to a Unix socket, driven from one thread.
    A connect that finds the backlog full (EAGAIN) is retried. With a
    request, each connection sends it at once, as tendctl does."""

    def __init__(self, path, n, request=None, connect_for=30.0):
        self.socks = []
        self.got = {}  # socket -> bytes received, or an outcome word
        deadline = time.monotonic() + connect_for
        while len(self.socks) < n and time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(path)
            except BlockingIOError:  # backlog full: tend has not accepted yet
                s.close()
                time.sleep(0.01)
                continue
            self.socks.append(s)
            if request:
                self._send(s, request)
        self.unconnected = n - len(self.socks)

    def _send(self, s, request):
        try:
            s.send(request)
            self.got[s] = b""
        except (BrokenPipeError, ConnectionResetError):
            self.got[s] = "reset"

    def ask_all(self, request, timeout=60.0):
        for s in self.socks:
            self._send(s, request)
        return self.collect(timeout)

    def collect(self, timeout=60.0):
        """Reads every reply; returns {outcome: count} where an outcome is
        'ok', 'error: ...', 'closed' (EOF, no reply), 'reset' or 'hung'."""
        got = self.got
        sel = selectors.DefaultSelector()
        for s, data in got.items():
            if data == b"":
                sel.register(s, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while sel.get_map() and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                try:
                    chunk = s.recv(1 << 20)
                except ConnectionResetError:
                    chunk, got[s] = b"", "reset"
                if chunk:
                    got[s] += chunk
                    if b"\n" not in got[s]:
                        continue
                sel.unregister(s)
                if not chunk and got[s] == b"":
                    got[s] = "closed"
        sel.close()
        outcomes = {}
        for data in got.values():
            if isinstance(data, bytes):
                if b"\n" not in data:
                    data = "hung"
                else:
                    reply = json.loads(data.split(b"\n")[0])
                    data = "ok" if reply.get("ok") else "error: " + reply.get("error", "?")
            outcomes[data] = outcomes.get(data, 0) + 1
        return outcomes

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []


def start(tend, ctl, *services, **kw):
    t = tend(*services, env={"TEND_CONTROL": ctl.sock}, **kw)
    # The file appears at bind(), connections are taken from listen() on.
    wait_until(lambda: ctl("status").returncode == 0, interval=0.05, what="tendctl status at start")
    return t


@pytest.fixture
def fds_for_a_thousand():
    """A soft fd limit with room for 1,000 sockets, here and in tend (CI
    machines often default to 1024); restored afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if want < 1100:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard}: no room for 1,000 connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_thousand_parallel_control_connections(tend, fds_for_a_thousand):
    ctl = faultlib.Ctl()
    flood = None
    try:
        t = start(tend, ctl, "sleep 1000")
        fds = faultlib.fd_count(t.host_pid)
        # A thousand clients that connect and say nothing: tend keeps them or
        # lets the idlest go, but a fresh client is answered at once.
        flood = Flood(ctl.sock, 1000)
        assert flood.unconnected == 0, f"{flood.unconnected} of 1000 could not connect in 30 s"
        ctl.answers(within=2, what="tendctl status beside 1000 idle clients")
        flood.close()
        faultlib.assert_fds_back(t.host_pid, fds, "after 1000 idle control clients closed")
        # A thousand tendctl-like clients at once: each sends its request on
        # connecting and gets a reply line, the status or a refusal.
        flood = Flood(ctl.sock, 1000, request=STATUS)
        assert flood.unconnected == 0, f"{flood.unconnected} of 1000 could not connect in 30 s"
        outcomes = flood.collect()
        assert "hung" not in outcomes, f"clients left without an answer: {outcomes}"
        clean = sum(n for k, n in outcomes.items() if k == "ok" or k.startswith("error:"))
        assert clean == 1000, f"not all answered or refused with a reply: {outcomes}"
        flood.close()
        ctl.answers(within=1, what="tendctl status after the flood")
        faultlib.assert_fds_back(t.host_pid, fds, "after 1000 control clients closed")
        assert t.proc.poll() is None
        print(outcomes)
    finally:
        if flood:
            flood.close()
        ctl.close()


def test_control_flood_with_64_fds_does_not_stop_supervision(tend):
    """Issue 12, defect 4: with RLIMIT_NOFILE 64, 200 connections exhaust
    tend's fds. It must not spin on the listening socket, must still restart
    a killed service, and must answer tendctl once the connections close."""
    ctl = faultlib.Ctl()
    flood = None
    try:
        # As `ulimit -n 64; exec tend` would: tend starts under the limit.
        t = start(tend, ctl, "sleep 1000", "sleep 999", wrap=["prlimit", "--nofile=64:64", "--"])
        flood = Flood(ctl.sock, 200, connect_for=5)
        time.sleep(0.5)
        # Every check runs, so a failure tells all that went wrong.
        problems = []
        share = faultlib.cpu_share(t.host_pid)
        if share >= faultlib.SPIN_SHARE:
            problems.append(f"tend used {share:.0%} of a CPU over {faultlib.QUIET_WINDOW:g} s "
                            f"with {200 - flood.unconnected} clients connected")
        victim = faultlib.find(t, "sleep", "999")
        os.kill(victim, signal.SIGKILL)
        try:
            faultlib.restarted(t, victim, "sleep", "999", timeout=10)
        except AssertionError:
            problems.append("the killed service was not restarted within 10 s: "
                            + " / ".join(t.err.lines[-3:]))
        flood.close()
        try:
            wait_until(lambda: ctl.timed("status", timeout=3)[0] is not None
                       and ctl.timed("status", timeout=3)[0].returncode == 0,
                       timeout=10, interval=0.2, what="tendctl answering")
        except AssertionError:
            r, _ = ctl.timed("status", timeout=3)
            problems.append("tendctl status fails 10 s after the clients closed: "
                            + (r.stderr.strip() if r else "no answer"))
        if t.proc.poll() is not None:
            problems.append(f"tend exited with {t.proc.returncode}")
        assert not problems, "; ".join(problems)
    finally:
        if flood:
            flood.close()
        ctl.close()
