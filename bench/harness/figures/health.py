"""Figures 10 and 11: restart of a service that hangs (a liveness check), and the cost
of an HTTP status scrape (tend's /metrics)."""

import copy
import os
import random
import signal
import socket
import statistics
import time

from .. import procfs
from ..box import Box, Failure
from ..record import Metric
from . import Figure
from .memory import own_memory

POLL = 0.005  # s between two reads of the status file while waiting for a restart


def free_ports(count):
    """count distinct free TCP ports on 127.0.0.1 (the namespaces share the host's network)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def status_lines(path):
    """[(what, port, pid, ns)] from a hangs workload's status file (pids are the
    namespace's, as the service sees its own)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4:
            out.append((parts[0], int(parts[1]), int(parts[2]), int(parts[3])))
    return out


def listening(path, port):
    """(pid, ns) of the latest instance that listened on port, or None."""
    got = [(pid, ns) for what, p, pid, ns in status_lines(path)
           if what == "listening" and p == port]
    return got[-1] if got else None


def answers(port, timeout=0.5):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
            c.settimeout(timeout)
            return c.recv(16).startswith(b"ok")
    except OSError:
        return False


class HangRestart(Figure):
    title = "Restart of a service that hangs (liveness check)"
    metrics = (
        Metric("hang_restart_ms", "hang to a new instance answering", "ms"),
        Metric("hang_stop_ms", "hang to the hung process's death", "ms"),
    )

    def method(self, ctx):
        return (
            f"{ctx.p.hang_services} services, each a small Python program "
            "(bench/harness/workloads/hangs) that answers TCP connections on its own port of "
            "127.0.0.1. Each contestant that can checks the port as its own features allow, "
            "with the same cadence: a TCP connect every 1 s, 0.5 s timeout (monit: 1 s, its "
            "least), a restart after 1 failed check (tend: a `[services.NAME.liveness]` tcp "
            "probe, period 1s, timeout 500ms, failure_threshold 1, initial_delay 1s; monit: "
            "`set daemon 1`, `if failed port PORT type tcp ... for 1 cycles then restart` and "
            "a stop program that sends SIGTERM). One at a time, round-robin, at a random phase "
            "of the 1 s period, the harness sends the service SIGUSR1: it closes its "
            "listening socket (connections are refused from then on) but keeps running, as a "
            "stuck server does, until a signal ends it. The time runs from the moment the "
            "socket is closed to the moment a new instance has called listen() on the port "
            "(the first moment it answers), both read from CLOCK_MONOTONIC by the service "
            "itself and written to a file (ns resolution; the harness reads the file every "
            f"{POLL * 1000:g} ms, which does not enter the time, and then checks that the "
            "new instance answers). It includes the new instance's Python start-up (tens of "
            "ms, the same for all). The second metric ends at the kernel's exit timestamp of "
            "the hung process (proc connector): when the supervisor had noticed and stopped "
            "it. A service is hung first only after it has run past the contestant's "
            "warm-up, again only after 10.5 s (tend's backoff counts deaths within 10 s of "
            "a start as quick). Supervisors without health checks are n/a: a hung process "
            "still runs, and they restart a service only when its process ends.")

    def measure(self, ctx, contestant, rec):
        if contestant.liveness_na:
            rec.na_rest(contestant.liveness_na)
            return
        runs = contestant.hangs.get(ctx.mode, 0)
        if runs <= 0:
            rec.na_rest(f"skipped in {ctx.mode} mode: a restart takes it over 30 s "
                        "(measured in a full run)")
            return
        ports = free_ports(ctx.p.hang_services)
        status = ctx.new_path("hang-status")
        services = ctx.workloads.hangers(ports, status)
        # A hung process that is never stopped, or monit's 30 s stop timeout: allow both.
        timeout = 10.0 + 2 * contestant.liveness_warmup
        with Box(ctx, contestant, services) as box:
            box.wait_running()
            deadline = time.monotonic() + ctx.start_timeout
            while not all(listening(status, p) and answers(p) for p in ports):
                if time.monotonic() > deadline:
                    raise Failure("the services never answered on their ports")
                time.sleep(0.05)
            first = max(ctx.p.first_life, 1.5, contestant.liveness_warmup)
            ready = {s.name: time.monotonic() + first for s in services}
            for k in range(runs):
                service = services[k % len(services)]
                port = service.liveness.port
                period = service.liveness.period
                time.sleep(max(ready[service.name] - time.monotonic(), ctx.p.kill_gap)
                           + random.uniform(0, period))
                old, _ = listening(status, port)  # its pid in the namespace
                live = box.instances(service)
                if len(live) != 1:
                    raise Failure(f"{len(live)} processes of {service.name} before a hang")
                host_pid = live[0].pid
                os.kill(host_pid, signal.SIGUSR1)
                until = time.monotonic() + timeout
                new = None
                while time.monotonic() < until:
                    got = listening(status, port)
                    if got and got[0] != old:
                        new = got
                        break
                    time.sleep(POLL)
                hung = [ns for what, p, pid, ns in status_lines(status)
                        if what == "hung" and p == port and pid == old]
                if new is None or not hung:
                    gone = procfs.proc(host_pid)
                    why = f"not restarted within {timeout:.0f} s of the hang"
                    if gone is not None and not gone.zombie:
                        why += " (the hung process still runs)"
                    elif gone is not None:
                        why += " (the hung process is a zombie: never reaped)"
                    if not rec.samples["hang_restart_ms"]:
                        raise Failure(why)
                    rec.note(f"stopped after {k} hangs: {why}")
                    break
                rec.add("hang_restart_ms", (new[1] - hung[0]) / 1e6)
                ctx.events.caught_up()
                death = ctx.events.exit_of(host_pid, timeout=0.2)
                if death:
                    rec.add("hang_stop_ms", (death[0] - hung[0]) / 1e6)
                ok_until = time.monotonic() + 5
                while not answers(port) and time.monotonic() < ok_until:
                    time.sleep(0.01)
                if not answers(port):
                    rec.note("a new instance listened but did not answer")
                ready[service.name] = time.monotonic() + ctx.p.min_life
            rec.note(f"{len(rec.samples['hang_restart_ms'])} hangs")
            rec.note(contestant.liveness_note)
            if contestant.liveness_warmup:
                rec.note(f"first hang {contestant.liveness_warmup:g} s after the start: it "
                         "makes no port test in the first ~30 s after starting a service")
            if not rec.samples["hang_stop_ms"] and rec.samples["hang_restart_ms"]:
                rec.note("no exit event for the hung process (kernel timestamps unavailable "
                         "or it was never reaped)")


def http_get(port, path, timeout=5.0):
    """One GET over a new connection (Connection: close); returns (ms, status code, bytes)."""
    start = time.monotonic_ns()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .encode())
        chunks = []
        while True:
            data = c.recv(65536)
            if not data:
                break
            chunks.append(data)
    ms = (time.monotonic_ns() - start) / 1e6
    body = b"".join(chunks)
    try:
        code = int(body.split(b" ", 2)[1])
    except (IndexError, ValueError):
        code = 0
    return ms, code, len(body)


def own_cpu_ns(box):
    return sum(c.cpu_ns for c in procfs.sum_counters(box.own_pids()).values())


class Scrape(Figure):
    title = "HTTP status scrape (tend's /metrics)"
    metrics = (
        Metric("scrape_ms", "one GET of the status page", "ms", digits=2),
        Metric("scrape_cpu_us", "supervisor CPU per GET", "µs"),
        Metric("http_rss_kib", "RSS added by the HTTP endpoint", "KiB", digits=0),
    )

    def method(self, ctx):
        return (
            f"{ctx.p.scrape_services} services (sleep). tend serves `/metrics` "
            "(`--http-listen 127.0.0.1:PORT`); monit, the only peer with an HTTP status page, "
            "serves `/_status?format=xml`, its full machine-readable status (`set httpd port "
            "PORT use address 127.0.0.1 allow 127.0.0.1`); the other peers have no such "
            f"endpoint. After {ctx.p.settle:g} s, {ctx.p.scrape_rounds} rounds of "
            f"{ctx.p.scrape_requests} sequential requests, each a new connection, `GET` with "
            "`Connection: close`, read to the end (an answer other than 200 is an error). "
            "Latency: connect to the last byte, time.monotonic_ns() in the harness, every "
            "request a sample. CPU: the supervisor's own processes' CPU time (per-thread "
            "schedstat run time, ns) before and after each round, divided by its requests. "
            "RSS: the supervisor's own processes (smaps_rollup) with the endpoint on, after "
            "the requests, minus the same set-up with it off (median of 3 samples each).")

    def measure(self, ctx, contestant, rec):
        if contestant.status_page is None:
            rec.na_rest(contestant.status_na)
            return
        services = ctx.workloads.sleepers(ctx.p.scrape_services)

        def rss_median(box):
            samples = []
            for _ in range(3):
                samples.append(own_memory(box)[0])
                time.sleep(0.1)
            return statistics.median(samples) * 1024

        with Box(ctx, contestant, services) as box:
            box.wait_running()
            time.sleep(ctx.p.settle)
            rss_off = rss_median(box)
        port = free_ports(1)[0]
        served = copy.copy(contestant)
        served.http_listen = f"127.0.0.1:{port}"
        path = contestant.status_page
        with Box(ctx, served, services) as box:
            box.wait_running()
            deadline = time.monotonic() + 10
            while True:
                try:
                    http_get(port, path)
                    break
                except OSError as e:
                    if time.monotonic() > deadline or not box.alive():
                        raise Failure(f"its HTTP endpoint never answered ({e.strerror or e})")
                    time.sleep(0.05)
            time.sleep(ctx.p.settle)
            size = 0
            for _ in range(ctx.p.scrape_rounds):
                before = own_cpu_ns(box)
                for _ in range(ctx.p.scrape_requests):
                    ms, code, size = http_get(port, path)
                    if code != 200:
                        raise Failure(f"GET {path} answered {code}")
                    rec.add("scrape_ms", ms)
                after = own_cpu_ns(box)
                rec.add("scrape_cpu_us", (after - before) / ctx.p.scrape_requests / 1000)
            rec.add("http_rss_kib", rss_median(box) - rss_off)
            rec.note(f"GET {path}: {size} bytes with the headers")
