"""Figure 8: SIGTERM to PID 1, as `docker stop` does, until the namespace is empty."""

import os
import signal
import subprocess
import time

from ..box import Box
from ..events import describe_status
from ..record import Metric
from . import Figure


class Shutdown(Figure):
    title = "Shutdown on SIGTERM"
    metrics = (
        Metric("shutdown_ms", "SIGTERM to PID 1 until everything is gone", "ms"),
        Metric("term_first", "services that got SIGTERM (not only SIGKILL)", "", ""),
        Metric("exit_status", "PID 1's exit", "", ""),
    )

    def method(self, ctx):
        return (
            f"{ctx.p.shutdown_services} services (sleep, which dies of SIGTERM at once) run for "
            f"{ctx.p.settle:g} s; the harness sends SIGTERM to PID 1 and, like `docker stop`, "
            f"SIGKILL after {ctx.p.grace:g} s if it is still there. Time from SIGTERM until "
            "`unshare` exits (the kernel has then reaped every process of the namespace). "
            "How each service died comes from its exit event: killed by SIGTERM means it got "
            "SIGTERM before any SIGKILL. PID 1's wait status from its exit event. "
            f"{ctx.p.shutdown_runs} run(s).")

    def measure(self, ctx, contestant, rec):
        services = ctx.workloads.sleepers(ctx.p.shutdown_services)
        words = []
        for _ in range(ctx.p.shutdown_runs):
            with Box(ctx, contestant, services) as box:
                pids = box.wait_running()
                time.sleep(ctx.p.settle)
                sent_ns = time.monotonic_ns()
                os.kill(box.pid1, signal.SIGTERM)
                forced = False
                try:
                    box.popen.wait(timeout=ctx.p.grace)
                except subprocess.TimeoutExpired:
                    forced = True
                    os.kill(box.pid1, signal.SIGKILL)
                    box.popen.wait()
                gone_ns = time.monotonic_ns()
                ctx.events.caught_up()
                end = ctx.events.exit_of(box.popen.pid, timeout=0.5)
                rec.add("shutdown_ms", ((end[0] if end else gone_ns) - sent_ns) / 1e6)
                deaths = [describe_status((ctx.events.exit_of(p) or (0, None))[1])
                          for p in pids.values()]
                termed = sum(d == "signal TERM" for d in deaths)
                pid1 = describe_status((ctx.events.exit_of(box.pid1) or (0, None))[1])
                if forced:
                    pid1 += f" (ignored SIGTERM; SIGKILL after {ctx.p.grace:g} s)"
                words.append((f"{termed}/{len(pids)}", pid1))
                others = sorted(set(deaths) - {"signal TERM"})
                if others:
                    rec.note(f"other service deaths: {', '.join(others)}")
        rec.set("term_first", ", ".join(sorted({w[0] for w in words})))
        rec.set("exit_status", "; ".join(sorted({w[1] for w in words})))
