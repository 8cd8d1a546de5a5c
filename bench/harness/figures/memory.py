"""Figure 3: memory of the supervisor's own processes with 1, 10 and 100 services."""

import time

from .. import procfs
from ..box import Box
from ..record import Metric
from . import Figure

MIB = 1024.0


def own_memory(box):
    """(RSS, PSS) in MiB summed over the supervisor's own processes, and their count."""
    rss = pss = 0
    pids = box.own_pids()
    for pid in pids:
        got = procfs.memory_kib(pid)
        if got:
            rss += got[0]
            pss += got[1]
    return rss / MIB, pss / MIB, len(pids)


class Memory(Figure):
    title = "Memory of the supervisor itself"

    def __init__(self, counts=(1, 10, 100)):
        self.metrics = tuple(
            Metric(f"{kind}_{n}", f"{kind.upper()} with {n} service{'s' if n > 1 else ''}",
                   "MiB", digits=2)
            for n in counts for kind in ("rss", "pss")) + tuple(
            Metric(f"pid1_{kind}_{n}", f"PID 1 alone: {label} with {n} service{'s' if n > 1 else ''}",
                   "MiB", digits=2)
            for n in counts for kind, label in (("rss", "RSS"), ("anon", "RssAnon")))

    def method(self, ctx):
        return (
            f"With {', '.join(map(str, ctx.p.memory_counts))} services (sleep), once all run "
            f"and {ctx.p.settle:g} s have passed and transient helpers are gone (tend's "
            "lineage shims, which watch each start for at most 10 s, --lineage-window: "
            "the steady state), the harness sums Rss and Pss from "
            "/proc/PID/smaps_rollup over the supervisor's own processes (every process "
            "of the namespace that is not a service: PID 1, per-service supervisors, "
            f"shells and helpers), {ctx.p.memory_samples} samples 0.2 s apart. "
            "`PID 1 alone` is the supervisor's first process only: its Rss, and its "
            "RssAnon from /proc/PID/status (heap and stacks: what grows per service).")

    def measure(self, ctx, contestant, rec):
        for n in (1, 10, 100):
            if n not in ctx.p.memory_counts:
                for key in ("rss", "pss", "pid1_rss", "pid1_anon"):
                    rec.na(f"{key}_{n}", f"not run in {ctx.mode} mode")
                continue
            with Box(ctx, contestant, ctx.workloads.sleepers(n)) as box:
                box.wait_running()
                box.settle()
                for _ in range(ctx.p.memory_samples):
                    rss, pss, count = own_memory(box)
                    rec.add(f"rss_{n}", rss)
                    rec.add(f"pss_{n}", pss)
                    pid1 = procfs.memory_kib(box.pid1)
                    anon = procfs.anon_kib(box.pid1)
                    if pid1 and anon is not None:
                        rec.add(f"pid1_rss_{n}", pid1[0] / MIB)
                        rec.add(f"pid1_anon_{n}", anon / MIB)
                    time.sleep(0.2)
                rec.note(f"{count} own process{'es' if count > 1 else ''} with {n} "
                         f"service{'s' if n > 1 else ''}")
