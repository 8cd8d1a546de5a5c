"""Readers of /proc for the processes of one PID namespace, seen from the host.

Everything here reads; nothing signals or changes a process. A process may
vanish between two reads, so every reader returns None (or skips the process)
instead of raising.
"""

import os
from dataclasses import dataclass

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    comm: str
    state: str  # one letter: R, S, D, Z, ...

    @property
    def zombie(self):
        return self.state in ("Z", "X")


def _read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError, OSError):
        return None


def stat_fields(pid):
    """/proc/PID/stat split after the comm field: index 0 is state (field 3)."""
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    close = text.rfind(")")
    return text[text.find("(") + 1:close], text[close + 2:].split()


def proc(pid):
    got = stat_fields(pid)
    if got is None:
        return None
    comm, rest = got
    return Proc(pid, int(rest[1]), comm, rest[0])


def pid_ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def children(pid):
    text = _read(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in text.split()] if text else []


def all_pids():
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def in_namespace(ns):
    """Every process whose PID namespace is ns (a readlink of /proc/PID/ns/pid)."""
    found = []
    for pid in all_pids():
        if pid_ns(pid) == ns:
            p = proc(pid)
            if p is not None:
                found.append(p)
    return found


def memory_kib(pid):
    """(Rss, Pss) in KiB from smaps_rollup, or None if the process is gone."""
    text = _read(f"/proc/{pid}/smaps_rollup")
    if not text:
        return None
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key] = int(rest.split()[0])
    return values.get("Rss", 0), values.get("Pss", 0)


def anon_kib(pid):
    """RssAnon in KiB from /proc/PID/status (heap, stacks, copied pages), or None."""
    text = _read(f"/proc/{pid}/status")
    for line in (text or "").splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    return None


def tasks(pid):
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


@dataclass
class Counters:
    """What a process has cost so far: CPU in ns (its threads plus the children
    it has reaped) and its voluntary context switches (its threads)."""
    cpu_ns: int = 0
    voluntary: int = 0

    def __add__(self, other):
        return Counters(self.cpu_ns + other.cpu_ns, self.voluntary + other.voluntary)

    def __sub__(self, other):
        return Counters(self.cpu_ns - other.cpu_ns, self.voluntary - other.voluntary)


def counters(pid):
    got = stat_fields(pid)
    if got is None:
        return None
    rest = got[1]
    # cutime + cstime (fields 16, 17): children reaped so far, in clock ticks.
    reaped_ns = (int(rest[13]) + int(rest[14])) * 1_000_000_000 // CLK_TCK
    total = Counters(reaped_ns, 0)
    for tid in tasks(pid):
        sched = _read(f"/proc/{pid}/task/{tid}/schedstat")
        status = _read(f"/proc/{pid}/task/{tid}/status")
        if sched:
            total.cpu_ns += int(sched.split()[0])
        if status:
            for line in status.splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total.voluntary += int(line.split()[1])
    return total


def sum_counters(pids):
    """Counters of each pid still there, keyed by pid."""
    out = {}
    for pid in pids:
        c = counters(pid)
        if c is not None:
            out[pid] = c
    return out


def cpu_seconds(pid):
    """utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in seconds:
    its own CPU, not its children's."""
    got = stat_fields(pid)
    return None if got is None else (int(got[1][11]) + int(got[1][12])) / CLK_TCK


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def rss_anon_kib(pid):
    text = _read(f"/proc/{pid}/status")
    for line in (text or "").splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    return None


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid):
    text = _read(f"/proc/{pid}/cmdline", "rb")
    return [a.decode(errors="replace") for a in text.split(b"\0")[:-1]] if text else []
