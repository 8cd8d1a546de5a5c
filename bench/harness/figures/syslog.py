"""Figure 13: syslog messages through the contestant's receiver, and its CPU for them."""

import copy
import fcntl
import os
import socket
import threading
import time

from .. import procfs
from ..box import Box, Failure
from ..record import Metric
from . import Figure
from .output import F_SETPIPE_SZ

MARK = b"bench-msg "  # once in every message the senders make (workloads/syslog_send)
QUIET = 3.0           # s without a new line, every sender done: the rest is lost
TIMEOUT = 180.0       # s for one batch at most


class Lines:
    """Reads a pipe to its end in a thread, counting the senders' messages (MARK) and
    when the last one came, at the lowest cost it can (bytes.count on each read)."""

    def __init__(self, fd):
        try:
            fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        self.fd, self.count, self.last_ns = fd, 0, 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        tail = b""
        while True:
            try:
                data = os.read(self.fd, 1 << 20)
            except OSError:
                return
            if not data:
                return
            data = tail + data
            found = data.count(MARK)
            tail = data[-(len(MARK) - 1):]
            if found:
                self.count += found
                self.last_ns = time.monotonic_ns()


def status(path):
    """{'ready': [pid], 'done': [(pid, first_ns, last_ns, sent, failed)], 'error': [text]}."""
    got = {"ready": [], "done": [], "error": []}
    try:
        text = path.read_text()
    except FileNotFoundError:
        return got
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        if word == "ready":
            got["ready"].append(int(rest))
        elif word == "done":
            got["done"].append(tuple(int(x) for x in rest.split()))
        elif word == "error":
            got["error"].append(rest)
    return got


def connectable(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait(box, what, predicate, timeout=None):
    deadline = time.monotonic() + (timeout or box.ctx.start_timeout)
    while not predicate():
        if not box.alive():
            raise Failure(f"PID 1 exited ({box.exit_words()}) before {what}: {box.tail()}")
        if time.monotonic() > deadline:
            raise Failure(f"no {what} after {timeout or box.ctx.start_timeout:.0f} s")
        time.sleep(box.ctx.poll_interval)


def batch(ctx, contestant, senders, messages):
    """senders services each send messages; returns a dict of what happened."""
    folder = ctx.new_workdir("syslog")
    path, go, state = folder / "dev-log", folder / "go", folder / "status"
    os.mkfifo(go)
    hold = os.open(go, os.O_RDWR)  # senders' opens return at once; its close releases them
    receiving = copy.copy(contestant)
    receiving.syslog_path = str(path)
    try:
        services = ctx.workloads.syslog_senders(senders, path, messages, go, state)
        with Box(ctx, receiving, services, output="pipe") as box:
            lines = Lines(box.popen.stdout.fileno())
            box.wait_running()
            wait(box, "syslog socket", lambda: connectable(path))
            wait(box, "senders ready", lambda: len(status(state)["ready"]) >= senders)
            procs = box.procs()
            pids = receiving.syslog_pids(procs, box.pid1)
            if not pids:
                raise Failure(f"no receiving process ({', '.join(receiving.syslog_comms)})")
            before = procfs.sum_counters(pids)
            os.close(hold)
            hold = None
            deadline = time.monotonic() + TIMEOUT
            while True:
                time.sleep(0.01)
                done = status(state)["done"]
                sent = sum(d[3] for d in done)
                if len(done) >= senders and lines.count >= sent:
                    break
                quiet = time.monotonic_ns() - max(lines.last_ns, box.started_ns)
                if len(done) >= senders and quiet > QUIET * 1e9:
                    break
                if time.monotonic() > deadline or not box.alive():
                    break
            after = procfs.sum_counters(pids)
            rss = sum((procfs.memory_kib(p) or (0, 0))[0] for p in pids)
            if not box.alive():
                raise Failure(f"PID 1 exited ({box.exit_words()})")
            errors = status(state)["error"]
            if errors:
                raise Failure(f"a sender failed: {errors[0]}")
            if len(done) < senders:
                raise Failure(f"{len(done)} of {senders} senders done after {TIMEOUT:.0f} s")
            first = min(d[1] for d in done)
            return {
                "sent": sent, "failed": sum(d[4] for d in done), "delivered": lines.count,
                "seconds": (lines.last_ns - first) / 1e9 if lines.count else None,
                "send_seconds": (max(d[2] for d in done) - first) / 1e9,
                "cpu_ms": sum(after[p].cpu_ns - before[p].cpu_ns
                              for p in after if p in before) / 1e6,
                "rss_mib": rss / 1024,
            }
    finally:
        if hold is not None:
            os.close(hold)


class Syslog(Figure):
    title = "Syslog throughput"
    syslog = True
    metrics = (
        Metric("syslog_msg_s", "syslog messages delivered per second, many senders", "msg/s",
               "higher", digits=0),
        Metric("syslog_cpu_ms_per_k", "receiver CPU per 1,000 messages", "ms"),
        Metric("syslog_lost", "messages lost, many senders", "messages"),
        Metric("syslog_rss", "receiver RSS after", "MiB"),
        Metric("flood_delivered", "one sender flooding: messages delivered", "messages", ""),
        Metric("flood_dropped", "one sender flooding: messages dropped", "messages", ""),
        Metric("flood_cpu_ms", "one sender flooding: receiver CPU", "ms", ""),
        Metric("flood_send_s", "one sender flooding: time to send them all", "s", ""),
    )

    def method(self, ctx):
        p = ctx.p
        total = p.syslog_senders * p.syslog_messages
        return (
            f"{p.syslog_senders} services (bench/harness/workloads/syslog_send, Python) each "
            f"send {p.syslog_messages:,} messages of 100 bytes in glibc's syslog(3) form "
            "(`<13>Nov 30 12:00:00 bench[PID]: bench-msg NNNNNNN ...`, user.notice) to the "
            "contestant's syslog socket, with blocking sends on a connected datagram socket "
            "(as syslog(3)): while the receiver's queue is full a sender waits, so the kernel "
            "loses nothing. The socket is a path in the figure's own folder (tend: `--syslog "
            "PATH`; s6: an `s6-socklog -x PATH` service; runit: a `socklog unix PATH` service; "
            "busybox: `syslogd -n -O -` with /dev/log a symlink to it in a /dev of its own; "
            "rsyslog: imuxsock `Socket=PATH`), never the machine's /dev/log. Every "
            "receiver writes each message as a line to PID 1's stdout, a pipe the harness "
            "reads, counting the lines that hold a message. The senders start together once "
            "the socket takes connections (each has made its messages beforehand and waits "
            "on a FIFO the harness closes). Messages per second: lines seen, from the first "
            "send (CLOCK_MONOTONIC, in the senders) to the read that brought the last line; "
            f"{p.syslog_rounds} round{'s' if p.syslog_rounds != 1 else ''} of {total:,} "
            "messages, each in a fresh PID 1. Lost: "
            f"sent minus seen, once every sender is done and no line came for {QUIET:g} s. "
            "CPU: the receiving processes' CPU time (per-thread schedstat run time, i.e. "
            "utime+stime in ns; tend: tend, PID 1; s6: s6-socklog; runit: socklog; busybox: "
            "busybox syslogd; rsyslog: rsyslogd, all its threads) from just before the release "
            "until the last line was counted, per 1,000 messages seen; RSS: theirs "
            "(smaps_rollup) after. The senders' "
            f"{p.syslog_messages:,} each stay under tend's per-sender limit (10,000 per 10 s). "
            f"Flood rows: a fresh PID 1, one sender sending {p.syslog_flood:,} messages as "
            "fast as it can: the lines seen, the messages dropped (sent minus seen), the "
            "receiver's CPU over all of them (no ratio: the contestants do not do the same "
            "work when one drops) and the sender's time from its first send to its last "
            "send's return. tend drops a sender's "
            "messages beyond 10,000 in 10 s by design (and counts them): it delivers 10,000. "
            "supervisord, monit, tini and the cfe-docker recipe have no syslog receiver: a "
            "message to /dev/log finds no socket. busybox and rsyslog are syslog daemons, not "
            "supervisors: this figure is their only one.")

    def measure(self, ctx, contestant, rec):
        if contestant.syslog_na:
            raise Failure(contestant.syslog_na)
        p = ctx.p
        total = p.syslog_senders * p.syslog_messages
        for _ in range(p.syslog_rounds):
            got = batch(ctx, contestant, p.syslog_senders, p.syslog_messages)
            if got["sent"] != total:
                rec.note(f"{total - got['sent']} of {total} sends failed")
            if not got["delivered"]:
                raise Failure(f"none of {got['sent']} messages reached its output")
            rec.add("syslog_msg_s", got["delivered"] / got["seconds"])
            rec.add("syslog_cpu_ms_per_k", got["cpu_ms"] / (got["delivered"] / 1000))
            rec.add("syslog_lost", got["sent"] - got["delivered"])
            rec.add("syslog_rss", got["rss_mib"])
        flood = batch(ctx, contestant, 1, p.syslog_flood)
        rec.add("flood_delivered", flood["delivered"])
        rec.add("flood_dropped", flood["sent"] - flood["delivered"])
        rec.add("flood_cpu_ms", flood["cpu_ms"])
        rec.add("flood_send_s", flood["send_seconds"])
        rec.note(contestant.syslog_note)
        if flood["seconds"]:
            rec.note(f"flood: {flood['delivered']:,} of {flood['sent']:,} delivered at "
                     f"{flood['delivered'] / flood['seconds']:,.0f} msg/s")
