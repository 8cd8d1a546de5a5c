"""Figure 5: from the supervisor's exec until every service runs."""

import time

from ..box import Box
from ..record import Metric
from . import Figure


class Startup(Figure):
    title = "Start-up"
    metrics = (Metric("startup_ms", "start-up until all services run", "ms"),)

    def method(self, ctx):
        return (
            f"{ctx.p.startup_runs} starts with {ctx.p.startup_services} services. Time from "
            "the exec of the supervisor as PID 1 to the exec of the last service's "
            "program, both kernel timestamps (proc connector).")

    def measure(self, ctx, contestant, rec):
        services = ctx.workloads.sleepers(ctx.p.startup_services)
        began = time.monotonic()
        for run in range(ctx.p.startup_runs):
            if run >= 2 and time.monotonic() - began > 30:
                rec.note(f"{run} runs (each takes over 10 s)")
                break
            with Box(ctx, contestant, services) as box:
                pids = box.wait_running()
                found_ns = time.monotonic_ns()
                ctx.events.caught_up()
                births = [ctx.events.exec_ns(pid) for pid in pids.values()]
                if None in births:
                    rec.note("times from the harness's clock (no kernel event)")
                    rec.add("startup_ms", (found_ns - box.started_ns) / 1e6)
                    continue
                # PID 1 may exec more than once (a prelude shell, then the supervisor).
                first = min(births)
                execs = [t for t in ctx.events.execs.get(box.pid1, []) if t <= first]
                start = execs[-1] if execs else box.started_ns
                rec.add("startup_ms", (max(births) - start) / 1e6)
