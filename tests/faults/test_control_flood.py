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
    A connect that finds the backlog full (EAGAIN) is retried."""

    def __init__(self, path, n, connect_for=30.0):
        self.path = path
        self.socks = []
        waiting = n
        deadline = time.monotonic() + connect_for
        while waiting and time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(path)
            except BlockingIOError:  # backlog full: tend has not accepted yet
                s.close()
                time.sleep(0.01)
                continue
            self.socks.append(s)
            waiting -= 1
        self.unconnected = waiting

    def ask_all(self, request, timeout=60.0):
        """Sends request on every connection; returns {outcome: count} where an
        outcome is 'ok', 'error: ...', 'closed' (EOF, no reply), 'reset' or 'hung'."""
        sel = selectors.DefaultSelector()
        got = {}
        for s in self.socks:
            try:
                s.send(request)
            except (BrokenPipeError, ConnectionResetError):
                got[s] = "reset"
                continue
            got[s] = b""
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
        for s, data in got.items():
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
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
    ctl.answers(within=5, what="tendctl status at start")
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
        flood = Flood(ctl.sock, 1000)
        assert flood.unconnected == 0, f"{flood.unconnected} of 1000 could not connect in 30 s"
        # With a thousand idle clients connected, a fresh one is answered at once.
        ctl.answers(within=2, what="tendctl status beside 1000 idle clients")
        outcomes = flood.ask_all(STATUS)
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
        t = start(tend, ctl, "sleep 1000", "sleep 999")
        resource.prlimit(t.host_pid, resource.RLIMIT_NOFILE, (64, 64))
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
