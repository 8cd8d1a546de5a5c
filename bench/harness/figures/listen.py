"""Figure 14: connections refused and failed while a TCP server is SIGKILLed and
restarted, with the listening socket held by the supervisor and without."""

import bisect
import errno
import os
import random
import selectors
import signal
import socket
import statistics
import threading
import time
from collections import Counter

from .. import procfs
from ..box import Box, Failure
from ..record import Metric
from . import Figure
from .health import free_ports

PERIOD = 0.002   # s between two connection attempts (each on a new socket)
TIMEOUT = 2.0    # s a connection attempt may take before it counts as failed
SETTLE = 0.1     # s of answers after the last restart before the count ends
QUICK_WAIT = 3.0  # s at most for a restart in quick mode (the contestant's own timeout in full)

VARIANTS = (("held", "socket held by the supervisor"), ("plain", "server binds the port itself"))


def variant_metrics(prefix, words):
    return (
        Metric(f"{prefix}_refused", f"{words}: connections refused", "connections", digits=0),
        Metric(f"{prefix}_failed", f"{words}: connections failed (reset, timeout, short reply)",
               "connections", digits=0),
        Metric(f"{prefix}_ok", f"{words}: connections answered", "connections", "", digits=0),
        Metric(f"{prefix}_kills", f"{words}: kills, each followed by an answer from a new "
               "server", "kills", "", digits=0),
        Metric(f"{prefix}_gap_ms", f"{words}: time without an answer, per kill", "ms"),
        Metric(f"{prefix}_gap_s", f"{words}: time without an answer, all kills", "s"),
    )


class Client:
    """Connects to 127.0.0.1:port every PERIOD seconds, each time on a new non-blocking
    socket, whatever the earlier attempts are still doing (an open loop, as independent
    clients do), in a thread of its own. Each attempt ends as ok (a whole line `pid N`
    came), refused (ECONNREFUSED), reset (ECONNRESET), short (the server closed before a
    whole line), timeout (no line within TIMEOUT) or error-NAME (any other errno)."""

    def __init__(self, port):
        self.addr = ("127.0.0.1", port)
        self.results = []   # (start_ns, end_ns, outcome, pid or 0), in the order they ended
        self.last_ok = None  # (end_ns, pid) of the latest answer
        self.ready_us = {}  # pid -> its `us M`: main() to a listening socket, in µs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        """No new attempt; wait for the pending ones to end (TIMEOUT at most)."""
        self._stop.set()
        self._thread.join(TIMEOUT + 5)

    def _run(self):
        sel = selectors.DefaultSelector()
        pending = {}  # socket -> [start_ns, connected, bytes so far]
        order = []    # (start_ns, socket) in start order, for the timeouts
        head = 0
        period, limit = int(PERIOD * 1e9), int(TIMEOUT * 1e9)
        next_ns = time.monotonic_ns()

        def finish(sock, outcome, pid=0):
            start = pending.pop(sock)[0]
            end = time.monotonic_ns()
            sel.unregister(sock)
            sock.close()
            self.results.append((start, end, outcome, pid))
            if outcome == "ok":
                self.last_ok = (end, pid)

        while True:
            now = time.monotonic_ns()
            stopping = self._stop.is_set()
            if stopping and not pending:
                break
            if not stopping and now >= next_ns:
                next_ns += period
                if next_ns < now:  # fell behind (scheduling): no burst of attempts
                    next_ns = now + period
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
                err = sock.connect_ex(self.addr)
                if err in (0, errno.EINPROGRESS):
                    pending[sock] = [now, err == 0, b""]
                    order.append((now, sock))
                    sel.register(sock, selectors.EVENT_READ if err == 0
                                 else selectors.EVENT_WRITE)
                else:
                    sock.close()
                    self.results.append((now, time.monotonic_ns(), outcome_of(err), 0))
                continue
            while head < len(order) and (order[head][1] not in pending
                                         or order[head][0] + limit <= now):
                start, sock = order[head]
                head += 1
                if sock in pending:
                    finish(sock, "timeout")
            if head > 4096:
                del order[:head]
                head = 0
            wait = limit
            if not stopping:
                wait = min(wait, next_ns - now)
            if head < len(order):
                wait = min(wait, order[head][0] + limit - now)
            for key, _ in sel.select(max(wait, 0) / 1e9):
                sock = key.fileobj
                state = pending.get(sock)
                if state is None:
                    continue
                if not state[1]:
                    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        finish(sock, outcome_of(err))
                    else:
                        state[1] = True
                        sel.modify(sock, selectors.EVENT_READ)
                    continue
                try:
                    data = sock.recv(64)
                except OSError as e:
                    finish(sock, outcome_of(e.errno))
                    continue
                state[2] += data
                if b"\n" in state[2]:
                    line = state[2].split(b"\n", 1)[0].split()
                    ok = len(line) >= 2 and line[0] == b"pid" and line[1].isdigit()
                    pid = int(line[1]) if ok else 0
                    if ok and len(line) == 4 and line[2] == b"us" and line[3].isdigit():
                        self.ready_us.setdefault(pid, int(line[3]))
                    finish(sock, "ok" if ok else "short", pid)
                elif not data:
                    finish(sock, "short")
        sel.close()


def outcome_of(err):
    if err == errno.ECONNREFUSED:
        return "refused"
    if err == errno.ECONNRESET:
        return "reset"
    return "error-" + errno.errorcode.get(err, str(err))


def tally(results, start, end):
    return Counter(outcome for s, _, outcome, _ in results if start <= s < end)


def failed_words(counts):
    parts = [f"{n} {what}" for what, n in sorted(counts.items())
             if what not in ("ok", "refused")]
    return ", ".join(parts) or "none"


class Listen(Figure):
    title = "Connections refused and failed during crash-restarts"
    metrics = tuple(m for prefix, words in VARIANTS for m in variant_metrics(prefix, words))

    def method(self, ctx):
        p = ctx.p
        return (
            "One service, a small C server (bench/harness/workloads/listen_server.c, built "
            "with cc; it starts in about a millisecond) that accepts connections on "
            "127.0.0.1:PORT one at a time and answers each with one line, `pid N us M` (its "
            "own pid, and the µs from the start of its main() to a listening socket in hand), "
            "then closes it. Two set-ups per contestant, each in a fresh PID 1. Socket "
            "held by the supervisor: the contestant binds the port itself and passes the "
            "listening socket to every instance of the server, keeping it open across "
            "restarts, so that the kernel queues connections while no server runs (tend: "
            "`listen = [\"tcp://127.0.0.1:PORT\"]`, the socket as fd 3 with LISTEN_FDS, "
            "LISTEN_PID and LISTEN_FDNAMES; supervisord: `[fcgi-program:NAME]` with "
            "`socket=tcp://127.0.0.1:PORT`, the socket as fd 0; s6: an s6-fdholder-daemon "
            "service holds it, stored once and retrieved by the server's run script with "
            "s6-fdholder-retrieve, as fd 0). Server binds the port itself: the plain set-up of "
            "every contestant, the server binding 127.0.0.1:PORT at each start "
            "(SO_REUSEADDR, backlog 4096). runit, monit, tini and the cfe-docker recipe have "
            "no way to hold a socket: only the second set-up. A client in the harness (a "
            f"thread) starts a connection attempt every {PERIOD * 1000:g} ms, each on a new "
            "non-blocking socket whatever the earlier ones are doing (an open loop, as "
            "independent clients are), and records how each ended: answered (a whole `pid N` "
            "line), refused (ECONNREFUSED), or failed: reset (ECONNRESET), short (closed "
            f"before a whole line) or timeout (no line within {TIMEOUT:g} s, longer than the "
            "1 s restart delays of supervisord and s6, so that a connection queued through a "
            "restart counts as answered). Once the server answers, the harness SIGKILLs it "
            f"{p.listen_kills} times; each kill comes once a new server (a new pid in the "
            f"answers) has answered and has run for {p.first_life:g} s, past runit's and "
            "supervisord's rules for a death soon after a start (runit: a 1 s pause; "
            "supervisord, startsecs=1: a failed start, then FATAL); tend's rule is 10 s "
            "(its restart delay doubles while a service keeps dying within 10 s of a start), "
            "so its service has `backoff_initial = \"0s\"`: each restart is immediate, as "
            "tend's is after a run of 10 s (figure 1). A peer that polls on a period gets "
            "each kill at a random phase of it (cfe-docker: 5 kills in a full run, skipped "
            "in quick mode, where its minute-long cycle would dominate). A contestant that "
            "does not restart the server within its restart timeout (5 s, tini 3 s, "
            f"cfe-docker 150 s; at most {QUICK_WAIT:g} s in quick mode) is n/a with what "
            "happened after the kill. The "
            "counts cover the attempts started from the first answer until "
            f"{SETTLE * 1000:g} ms after the last restart was answered, each followed to its "
            "end. Time without an answer, per kill: from the last answer before the kill to "
            "the first after it (both as the client received them), which holds the "
            "supervisor's restart and the server's start; the last row is its sum over the "
            "kills. The notes give the attempts made, the kinds of failure and the slowest "
            "answer (a connection queued through a restart waits that long), and the new "
            "servers' time from main() to a listening socket: a server that binds the port "
            "itself pays for the bind, which the kernel checks against every connection of "
            "the port in TIME_WAIT (the server closes each connection first, so at one "
            "attempt every 2 ms there are tens of thousands); a held socket is bound once. "
            "Where the "
            "listening socket outlives the server, the connections queued on it wait for the "
            "next one; a server killed after accepting a connection and before answering it "
            "loses that one (short). Where the socket dies with the server (it bound the port "
            "itself), or with supervisord's reference to it, the connections queued on it "
            "are reset.")

    def measure(self, ctx, contestant, rec):
        kills = ctx.p.listen_kills
        if contestant.poll_period:
            kills = min(kills, contestant.kills.get(ctx.mode, 0))
        if kills <= 0:
            rec.na_rest(f"skipped in {ctx.mode} mode: {contestant.restart_note}")
            return
        for prefix, words in VARIANTS:
            keys = [m.key for m in variant_metrics(prefix, words)]
            held = prefix == "held"
            if held and contestant.held_socket_na:
                for key in keys:
                    rec.na(key, contestant.held_socket_na)
                continue
            try:
                self.run(ctx, contestant, rec, prefix, held, kills)
            except Failure as e:
                for key in keys:
                    rec.na(key, str(e))
        if contestant.held_socket_na is None:
            rec.note(contestant.held_socket_note)
        rec.note(contestant.restart_note)

    def run(self, ctx, contestant, rec, prefix, held, kills):
        port = free_ports(1)[0]
        service = ctx.workloads.listen_server(port, f"tcp://127.0.0.1:{port}" if held else "")
        timeout = contestant.restart_timeout
        if ctx.mode == "quick":
            timeout = min(timeout, QUICK_WAIT)
        with Box(ctx, contestant, [service]) as box:
            client = Client(port)
            try:
                return self.kill_loop(ctx, contestant, rec, prefix, box, service, client,
                                      kills, timeout)
            finally:
                client.stop()

    def kill_loop(self, ctx, contestant, rec, prefix, box, service, client, kills, timeout):
        deadline = time.monotonic() + ctx.start_timeout
        while client.last_ok is None:
            if not box.alive():
                raise Failure(f"PID 1 exited ({box.exit_words()}) before the server "
                              f"answered: {box.tail()}")
            if time.monotonic() > deadline:
                raise Failure(f"the server never answered within {ctx.start_timeout:.0f} s")
            time.sleep(0.005)
        began_ns = client.last_ok[0]
        answered = time.monotonic()
        kill_times = []
        stopped = None  # why the kills ended early, and when
        for k in range(kills):
            wait = max(answered + ctx.p.first_life - time.monotonic(), 0)
            if contestant.poll_period:
                wait = max(wait, random.uniform(0, contestant.poll_period))
            time.sleep(wait)
            live = box.instances(service)
            if len(live) != 1:
                raise Failure(f"{len(live)} server processes before kill {k + 1}")
            old_pid = client.last_ok[1]
            host_pid = live[0].pid
            kill_ns = time.monotonic_ns()
            os.kill(host_pid, signal.SIGKILL)
            until = time.monotonic() + timeout
            back = None
            while time.monotonic() < until:
                got = client.last_ok
                if got[1] != old_pid and got[0] > kill_ns:
                    back = got
                    break
                if not box.alive():
                    break
                time.sleep(0.002)
            if back is None:
                if box.alive():
                    why = f"not restarted within {timeout:g} s of kill {k + 1}"
                    gone = procfs.proc(host_pid)
                    if gone is not None and gone.zombie:
                        why += "; the killed server stays a zombie (never reaped)"
                else:
                    why = f"not restarted: PID 1 exited ({box.exit_words()}) after kill {k + 1}"
                after = tally(client.results, kill_ns, time.monotonic_ns())
                why += (f" (meanwhile {after['refused']} connections refused, "
                        f"{sum(after.values()) - after['refused'] - after['ok']} failed)")
                stopped = (why, kill_ns)
                break
            kill_times.append((kill_ns, old_pid))
            answered = time.monotonic()
        if not kill_times:
            raise Failure(stopped[0])
        if stopped:
            end_ns = stopped[1]
        else:
            time.sleep(SETTLE)
            end_ns = time.monotonic_ns()
        client.stop()
        results = client.results
        counts = tally(results, began_ns, end_ns)
        oks = sorted((e, pid) for s, e, outcome, pid in results if outcome == "ok")
        ends = [e for e, _ in oks]
        gaps, setups = [], []
        for kill_ns, old_pid in kill_times:
            # From the killed server's last answer to a new server's first (an answer
            # read just after the kill may still be the killed server's).
            j = bisect.bisect_left(ends, kill_ns)
            while j < len(oks) and (oks[j][1] == old_pid or oks[j][0] <= kill_ns):
                j += 1
            i = j
            while i > 0 and oks[i - 1][1] != old_pid:
                i -= 1
            before = oks[i - 1][0] if i else began_ns
            gaps.append((oks[j][0] - before) / 1e6)
            if oks[j][1] in client.ready_us:
                setups.append(client.ready_us[oks[j][1]] / 1000)
        attempts = sum(counts.values())
        slowest = max((e - s for s, e, outcome, _ in results
                       if outcome == "ok" and began_ns <= s < end_ns), default=0)
        rec.add(f"{prefix}_refused", counts["refused"])
        rec.add(f"{prefix}_failed", attempts - counts["ok"] - counts["refused"])
        rec.add(f"{prefix}_ok", counts["ok"])
        rec.add(f"{prefix}_kills", len(kill_times))
        rec.add(f"{prefix}_gap_ms", *gaps)
        rec.add(f"{prefix}_gap_s", sum(gaps) / 1000)
        span = (end_ns - began_ns) / 1e9
        words = dict(VARIANTS)[prefix]
        rec.note(f"{words}: {len(kill_times)} kills in {span:.0f} s, {attempts} attempts "
                 f"(one per {span * 1000 / max(attempts, 1):.2f} ms), failed: "
                 f"{failed_words(counts)}; slowest answer {slowest / 1e6:.0f} ms"
                 + (f"; a new server's main() to a listening socket: median "
                    f"{statistics.median(setups):.2f} ms, max {max(setups):.2f} ms"
                    if setups else ""))
        if stopped:
            rec.note(f"{words}: stopped after {len(kill_times)} kills: {stopped[0]}")
