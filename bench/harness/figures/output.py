"""Figure 6: services writing lines as fast as they can, through the supervisor."""

import fcntl
import os
import subprocess
import threading
import time

from .. import procfs
from ..box import Box, Failure
from ..record import Metric
from ..workloads import LINE
from . import Figure

F_SETPIPE_SZ = 1031
MB = 1e6


class Drain:
    """Reads a pipe to its end in a thread, counting bytes (only: the harness must
    cost as little CPU as it can, it shares the machine with what it measures)."""

    def __init__(self, fd):
        try:
            fcntl.fcntl(fd, F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass
        self.fd, self.bytes = fd, 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        buffer = [bytearray(1 << 20)]  # reused: no allocation per read
        while True:
            try:
                n = os.readv(self.fd, buffer)
            except OSError:
                return
            if not n:
                return
            self.bytes += n


def throughput(ctx, rec, drain, own_pids):
    """Windows of bytes/s out of the pipe and CPU of own_pids() per MB."""
    time.sleep(ctx.p.output_warmup)
    for _ in range(ctx.p.output_windows):
        pids = own_pids()
        before, start_bytes = procfs.sum_counters(pids), drain.bytes
        start_ns = time.monotonic_ns()
        time.sleep(ctx.p.output_window)
        after, moved = procfs.sum_counters(pids), drain.bytes - start_bytes
        end_ns = time.monotonic_ns()
        cpu_ns = sum(after[p].cpu_ns - before[p].cpu_ns for p in after if p in before)
        rec.add("output_mb_s", moved / MB / ((end_ns - start_ns) / 1e9))
        if moved:
            rec.add("output_cpu_ms_per_mb", cpu_ns / 1e6 / (moved / MB))


class Output(Figure):
    title = "Output throughput"
    metrics = (
        Metric("output_mb_s", "output reaching the supervisor's stdout", "MB/s", "higher"),
        Metric("output_cpu_ms_per_mb", "supervisor CPU per MB of output", "ms/MB", digits=2),
    )

    def method(self, ctx):
        return (
            f"{ctx.p.writers} services run `yes` with a {len(LINE) + 1}-byte line. PID 1's "
            "stdout and stderr are one pipe (1 MiB) that the harness reads and counts. After "
            f"{ctx.p.output_warmup:g} s of warm-up, {ctx.p.output_windows} windows of "
            f"{ctx.p.output_window:g} s: bytes per second (including any prefix the "
            "supervisor adds) and the own processes' CPU per MB. Reference row `cat`: the "
            f"same {ctx.p.writers} `yes` write into one pipe that `cat` copies to the harness. "
            "'direct' peers hand their own stdout to services, so the bytes never pass "
            "through them (no line handling, no prefix).")

    def measure(self, ctx, contestant, rec):
        if contestant.output_path is None:
            raise Failure(contestant.output_note)
        with Box(ctx, contestant, ctx.workloads.writers(ctx.p.writers), output="pipe") as box:
            drain = Drain(box.popen.stdout.fileno())
            box.wait_running()
            throughput(ctx, rec, drain, box.own_pids)
            if not box.alive():
                raise Failure(f"PID 1 exited ({box.exit_words()})")
        if contestant.output_path == "direct":
            rec.note("direct: services write to PID 1's own stdout")
        rec.note(contestant.output_note)

    def reference(self, ctx, rec):
        """The physical reference: the same yes writers into one pipe, copied by cat."""
        r, w = os.pipe()
        procs = [subprocess.Popen(["yes", LINE], stdout=w) for _ in range(ctx.p.writers)]
        os.close(w)
        cat = subprocess.Popen(["cat"], stdin=r, stdout=subprocess.PIPE)
        os.close(r)
        procs.append(cat)
        try:
            throughput(ctx, rec, Drain(cat.stdout.fileno()), lambda: {cat.pid})
        finally:
            for p in procs:
                p.kill()
                p.wait()
            cat.stdout.close()
        rec.note("no supervisor: cat reads the pipe")
