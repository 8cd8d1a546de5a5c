"""Kernel timestamps of fork, exec and exit for every process on the machine.

The proc connector (netlink, needs root) reports each event with the kernel's
CLOCK_MONOTONIC time, the same clock as time.monotonic_ns(). The harness uses
it to time deaths and births exactly, without polling /proc: restart latency
is exit-of-old to exec-of-new, both stamped by the kernel.

A thread drains the socket into dictionaries. If the connector is missing,
`available` is False and callers fall back to their own polling clock.
"""

import os
import signal
import socket
import struct
import threading
import time

NETLINK_CONNECTOR = 11
CN_IDX_PROC = 1
CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN = 1
PROC_EVENT_FORK = 0x1
PROC_EVENT_EXEC = 0x2
PROC_EVENT_EXIT = 0x80000000
NLMSG_DONE = 3
_NLMSG = struct.Struct("=IHHII")
_CN_MSG = struct.Struct("=IIIIHH")
_HEAD = struct.Struct("=IIQ")  # what, cpu, timestamp_ns
_BODY = _NLMSG.size + _CN_MSG.size + _HEAD.size


class EventLog:
    def __init__(self):
        self.available = False
        self.lost = 0
        self._lock = threading.Lock()
        self._seen = threading.Condition(self._lock)
        self.reset()
        try:
            self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                                       NETLINK_CONNECTOR)
            try:
                self._sock.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
            except OSError:
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
            self._sock.bind((0, CN_IDX_PROC))
            op = struct.pack("=I", PROC_CN_MCAST_LISTEN)
            cn = _CN_MSG.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(op), 0) + op
            self._sock.send(_NLMSG.pack(_NLMSG.size + len(cn), NLMSG_DONE, 0, 0, 0) + cn)
        except OSError as e:
            self.reason = f"proc connector unavailable ({e.strerror})"
            return
        self.available = True
        self.reason = ""
        threading.Thread(target=self._drain, name="proc-events", daemon=True).start()

    def reset(self):
        """Forget everything seen so far (call when a new measurement starts)."""
        with self._lock:
            self.execs = {}   # pid -> [ts_ns, ...]
            self.born = {}    # pid -> ts_ns of the fork that made it (the latest)
            self.exits = {}   # pid -> (ts_ns, wait status)
            self.forks = []   # (ts_ns, parent_tgid, child_tgid), processes only
            self.latest_ns = 0

    def _drain(self):
        while True:
            try:
                data = self._sock.recv(1 << 16)
            except OSError:  # ENOBUFS: the kernel dropped events
                self.lost += 1
                continue
            offset = 0
            while offset + _BODY <= len(data):
                length = _NLMSG.unpack_from(data, offset)[0]
                self._parse(data, offset + _NLMSG.size + _CN_MSG.size)
                offset += max((length + 3) & ~3, _BODY)

    def _parse(self, data, at):
        what, _, ts = _HEAD.unpack_from(data, at)
        body = at + _HEAD.size
        with self._lock:
            if what == PROC_EVENT_EXEC:
                pid, tgid = struct.unpack_from("=ii", data, body)
                if pid == tgid:
                    self.execs.setdefault(pid, []).append(ts)
            elif what == PROC_EVENT_EXIT:
                pid, tgid, code = struct.unpack_from("=iiI", data, body)
                if pid == tgid:
                    self.exits[pid] = (ts, code)
            elif what == PROC_EVENT_FORK:
                _, ptgid, cpid, ctgid = struct.unpack_from("=iiii", data, body)
                if cpid == ctgid:
                    self.forks.append((ts, ptgid, ctgid))
                    self.born[ctgid] = ts
            self.latest_ns = max(self.latest_ns, ts)
            self._seen.notify_all()

    def caught_up(self, timeout=1.0):
        """Wait until every event before now has been read: make an event of our
        own (a child that exits at once) and wait for it; the socket keeps order."""
        if not self.available:
            return
        time.sleep(0.01)  # let an exec in progress finish and report
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        self.exit_of(pid, timeout)

    def exec_ns(self, pid):
        """Kernel time of the last exec of the process now holding pid (one forked
        while we listened), or None. Call caught_up() first: the kernel sets the new
        comm before it reports the exec, so a process can look exec'd in /proc a
        moment before its event exists."""
        with self._lock:
            since = self.born.get(pid, 0)
            stamps = [t for t in self.execs.get(pid, ()) if t >= since]
        return stamps[-1] if stamps else None

    def exit_of(self, pid, timeout=0.0):
        """(ts_ns, wait status) of the pid's exit, waiting up to timeout for it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while pid not in self.exits and time.monotonic() < deadline:
                self._seen.wait(0.01)
            return self.exits.get(pid)

    def forks_between(self, start_ns, end_ns):
        with self._lock:
            return [f for f in self.forks if start_ns <= f[0] <= end_ns]


def describe_status(status):
    """A wait status as words: 'exit 0', 'signal KILL'."""
    if status is None:
        return "unknown"
    if status & 0x7F:
        try:
            return "signal " + signal.Signals(status & 0x7F).name[3:]
        except ValueError:
            return f"signal {status & 0x7F}"
    return f"exit {(status >> 8) & 0xFF}"
