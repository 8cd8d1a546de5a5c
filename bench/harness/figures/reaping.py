"""Figure 7: a service leaves thousands of orphans that exit; does PID 1 reap them?"""

import collections
import time

from .. import procfs
from ..box import Box, Failure
from ..record import Metric
from . import Figure


def starttime(pid):
    got = procfs.stat_fields(pid)
    return got[1][19] if got else None  # field 22


def wait_line(path, prefixes, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                if line.startswith(prefixes):
                    return line
        time.sleep(0.01)
    return None


class Reaping(Figure):
    title = "Reaping orphans"
    metrics = (
        Metric("reap_ms", "time until no orphan is left", "ms"),
        Metric("zombies_left", "zombies left", "", digits=0),
    )

    def method(self, ctx):
        return (
            f"One service forks a middle process that forks {ctx.p.orphans} children and "
            "exits, so they are orphans of PID 1; the service then closes a pipe and all "
            "of them exit at once. Time from that close (the service's CLOCK_MONOTONIC) "
            "until none of them is left in /proc, zombie or not (the harness polls the "
            f"pids, checking start times against pid reuse); zombies left after "
            f"{ctx.p.reap_timeout:g} s. {ctx.p.reap_runs} run(s).")

    def measure(self, ctx, contestant, rec):
        for run in range(ctx.p.reap_runs):
            status = ctx.new_path("reap-status")
            go = ctx.new_path("reap-go")
            service = ctx.workloads.orphans(ctx.p.orphans, status, go)
            with Box(ctx, contestant, [service]) as box:
                line = wait_line(status, ("orphaned", "error"), ctx.start_timeout + 60)
                if line is None or line.startswith("error"):
                    raise Failure(f"the workload did not make its orphans: {line or 'timeout'}")
                orphans = {p.pid: starttime(p.pid) for p in box.procs() if p.comm == "orphan"}
                if len(orphans) < ctx.p.orphans:
                    rec.note(f"only {len(orphans)} orphans seen")
                go.touch()
                line = wait_line(status, ("released",), 10)
                if line is None:
                    raise Failure("the workload did not release its orphans")
                released_ns = int(line.split()[1])
                left = self.wait_gone(orphans, ctx.p.reap_timeout)
                done_ns = time.monotonic_ns()
                rec.add("zombies_left", len(left))
                if left:
                    rec.na("reap_ms", f"{len(left)} of {len(orphans)} orphans never reaped "
                                      f"(still there after {ctx.p.reap_timeout:g} s)")
                    return  # another run would only wait as long again
                rec.add("reap_ms", (done_ns - released_ns) / 1e6)

    @staticmethod
    def wait_gone(orphans, timeout):
        """Poll until every orphan is gone from /proc; return those still there."""
        queue = collections.deque(orphans)
        deadline = time.monotonic() + timeout
        while queue:
            pid = queue[0]
            if starttime(pid) == orphans[pid]:
                if time.monotonic() > deadline:
                    return [p for p in queue if starttime(p) == orphans[p]]
                time.sleep(0.0005)
                continue
            queue.popleft()
        return []
