"""Figure 15: the cost per service at scale: 1,000 services."""

import time

from .. import procfs
from ..box import Box, Failure
from ..record import Metric
from . import Figure
from .idle import cost_since
from .memory import own_memory
from .restart import kill_and_time


def startup_ms(ctx, box, pids):
    """From PID 1's (last) exec to the last service's exec, kernel timestamps when
    there are, else the harness's clock."""
    found_ns = time.monotonic_ns()
    ctx.events.caught_up()
    births = [ctx.events.exec_ns(pid) for pid in pids.values()]
    if None in births:
        return (found_ns - box.started_ns) / 1e6, False
    execs = [t for t in ctx.events.execs.get(box.pid1, []) if t <= min(births)]
    start = execs[-1] if execs else box.started_ns
    return (max(births) - start) / 1e6, True


class Scale(Figure):
    title = "Scale: many services"
    metrics = (
        Metric("scale_startup_ms", "start-up until all services run", "ms"),
        Metric("scale_startup_per_service_ms", "start-up per service", "ms", digits=2),
        Metric("scale_rss", "RSS of the supervisor's own processes", "MiB", digits=1),
        Metric("scale_restart_ms", "restart latency among them", "ms"),
        Metric("scale_wakeups", "wakeups per minute, idle", "/min", digits=1),
    )

    def method(self, ctx):
        return (
            f"{ctx.p.scale_services} services (sleep) in one box, one start. Start-up as "
            "figure 5 (PID 1's exec to the last service's exec, kernel timestamps), and "
            "divided by the count, to compare with figure 5's 100 services: a flat cost "
            f"per service gives the same figure. After {ctx.p.settle:g} s (see below), RSS summed over "
            "the supervisor's own processes (as figure 3); idle wakeups (voluntary context "
            f"switches of the own processes) over {ctx.p.scale_idle_window:g} s, scaled to a "
            f"minute (as figure 4); then {ctx.p.scale_kills} SIGKILLs of services spread "
            "over the set, each timed from the death to the new exec (as figure 1). A "
            "contestant that cannot start them all within the harness's timeout, or does "
            "not restart, is n/a for what it misses. The steady state is measured: after the "
            "settle time, the harness also waits until transient helpers are gone (tend's "
            "lineage shims, which watch each start for at most 10 s, --lineage-window); "
            "permanent helpers (per-service supervisors) are own processes and count.")

    def measure(self, ctx, contestant, rec):
        services = ctx.workloads.sleepers(ctx.p.scale_services)
        with Box(ctx, contestant, services) as box:
            pids = box.wait_running(timeout=max(ctx.start_timeout, 120.0))
            ms, kernel = startup_ms(ctx, box, pids)
            rec.add("scale_startup_ms", ms)
            rec.add("scale_startup_per_service_ms", ms / len(services))
            if not kernel:
                rec.note("start-up from the harness's clock (no kernel event)")
            box.settle()
            rss, _, count = own_memory(box)
            rec.add("scale_rss", rss)
            rec.note(f"{count} own processes")
            own = box.own_pids()
            before, start_ns = procfs.sum_counters(own), time.monotonic_ns()
            time.sleep(ctx.p.scale_idle_window)
            after = procfs.sum_counters(box.own_pids() | set(before))
            spent = cost_since(before, after)
            rec.add("scale_wakeups", spent.voluntary * 60e9 / (time.monotonic_ns() - start_ns))
            self.restarts(ctx, contestant, box, services, rec)

    def restarts(self, ctx, contestant, box, services, rec):
        kills = ctx.p.scale_kills
        if contestant.kills.get(ctx.mode, 0) <= 0:
            rec.na("scale_restart_ms", contestant.restart_note or "restarts nothing")
            return
        step = max(1, len(services) // kills)
        for k in range(kills):
            time.sleep(ctx.p.kill_gap)
            try:
                ms, _, _ = kill_and_time(box, services[(k * step) % len(services)], ctx,
                                         contestant.restart_timeout)
            except Failure as e:
                if not rec.samples["scale_restart_ms"]:
                    rec.na("scale_restart_ms", str(e))
                else:
                    rec.note(f"stopped after {k} kills: {e}")
                return
            rec.add("scale_restart_ms", ms)
