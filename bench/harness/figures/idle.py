"""Figure 4: what the supervisor costs while nothing happens, with many services."""

import time

from .. import procfs
from ..box import Box
from ..record import Metric
from . import Figure
from .memory import own_memory


def spawned(forks, roots):
    """How many processes the roots and their descendants forked (forks in time order)."""
    tree, count = set(roots), 0
    for _, parent, child in forks:
        if parent in tree:
            tree.add(child)
            count += 1
    return count


def cost_since(before, after):
    """Counters spent between two snapshots {pid: Counters}; a process new in
    `after` counts whole, one gone from it has passed its CPU to its reaper."""
    total = procfs.Counters()
    for pid, c in after.items():
        total = total + (c - before[pid] if pid in before else c)
    return total


class Idle(Figure):
    title = "Idle cost with many services"
    metrics = (
        Metric("idle_cpu_ms", "CPU per minute, idle", "ms", digits=2),
        Metric("idle_wakeups", "wakeups per minute, idle", "/min", digits=1),
        Metric("idle_spawns", "processes spawned per minute, idle", "/min", digits=1),
        Metric("idle_peak_rss", "peak RSS seen while idle", "MiB", digits=2),
    )

    def method(self, ctx):
        return (
            f"{ctx.p.idle_services} services run; after {ctx.p.settle:g} s and once "
            "transient helpers are gone (tend's lineage shims, at most 10 s), "
            f"{ctx.p.idle_windows} windows of {ctx.p.idle_window:g} s. In each, the change "
            "of the own processes' CPU time (sum of /proc/PID/task/*/schedstat, plus "
            "cutime+cstime for helpers they reaped) and voluntary context switches "
            "(/proc/PID/task/*/status), scaled to a minute. Processes spawned counts "
            "forks by the supervisor and its descendants (proc connector); a helper "
            "that lives and dies inside a window adds its CPU through its parent's "
            "cutime but not its context switches. Peak RSS: own processes summed, "
            "sampled every 0.25 s.")

    def measure(self, ctx, contestant, rec):
        with Box(ctx, contestant, ctx.workloads.sleepers(ctx.p.idle_services)) as box:
            box.wait_running()
            box.settle()
            for _ in range(ctx.p.idle_windows):
                own = box.own_pids()
                start_ns = time.monotonic_ns()
                before = procfs.sum_counters(own)
                peak = 0.0
                while time.monotonic_ns() - start_ns < ctx.p.idle_window * 1e9:
                    peak = max(peak, own_memory(box)[0])
                    time.sleep(0.25)
                after = procfs.sum_counters(box.own_pids() | set(before))
                end_ns = time.monotonic_ns()
                ctx.events.caught_up()
                per_min = 60e9 / (end_ns - start_ns)
                spent = cost_since(before, after)
                rec.add("idle_cpu_ms", spent.cpu_ns / 1e6 * per_min)
                rec.add("idle_wakeups", spent.voluntary * per_min)
                rec.add("idle_spawns",
                        spawned(ctx.events.forks_between(start_ns, end_ns), own) * per_min)
                rec.add("idle_peak_rss", peak)
            if not ctx.events.available:
                rec.na("idle_spawns", ctx.events.reason)
