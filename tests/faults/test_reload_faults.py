"""Reloads under stress: hundreds of alternating reloads, and a reload that
needs more fds than tend may open."""
import os
import re
import resource
import signal
import time

from conftest import wait_until
import faultlib

RELOADS = 500
WARMUP = 20


def config(path, names, tag):
    return faultlib.write_config(path, {n: f'command = "sleep {1000 + ord(n)}"\n' for n in names},
                                 extra=f"# {tag}\n")


def test_alternating_reloads_leave_fds_and_memory_flat(tend, tmp_path):
    """Issue 12, defect 3: SIGHUP 500 times, alternating a config with a,b,c
    and one with a,d,e (each reload stops two services and starts two),
    waiting for each reload to be logged before the next."""
    cfg = tmp_path / "tend.toml"
    config(cfg, "abc", 0)
    t = tend("--config", str(cfg))
    t.err.wait_for(r"^tend: c: started")
    a = faultlib.find(t, "sleep", str(1000 + ord("a")))
    fds = rss = None
    began = time.monotonic()
    for i in range(1, RELOADS + 1):
        config(cfg, "ade" if i % 2 else "abc", i)
        t.signal(signal.SIGHUP)
        t.err.wait_for(r"^tend: reloaded: 2 added, 2 removed", count=i, timeout=20)
        if i == WARMUP:
            time.sleep(0.5)
            fds, rss = faultlib.fd_count(t.host_pid), faultlib.rss_anon_kib(t.host_pid)
    took = time.monotonic() - began
    wait_until(lambda: len(t.processes()) == 3, what="three services after the last reload")
    time.sleep(0.5)
    fds_after, rss_after = faultlib.fd_count(t.host_pid), faultlib.rss_anon_kib(t.host_pid)
    print(f"{RELOADS} reloads in {took:.0f} s; fds {fds} -> {fds_after}, "
          f"RssAnon {rss} -> {rss_after} KiB")
    assert fds_after <= fds + faultlib.FD_MARGIN, (
        f"fds {fds} -> {fds_after} over {RELOADS - WARMUP} reloads: "
        + ", ".join(sorted(set(faultlib.fd_targets(t.host_pid).values())))[:400])
    assert rss_after <= rss + faultlib.RSS_MARGIN_KIB, (
        f"RssAnon {rss} -> {rss_after} KiB over {RELOADS - WARMUP} reloads")
    assert faultlib.find(t, "sleep", str(1000 + ord("a"))) == a  # unchanged all along
    assert t.proc.poll() is None


def test_reload_beyond_the_fd_limit_is_not_reported_ok(tend, tmp_path):
    """Issue 12, defect 12: with RLIMIT_NOFILE 200, a reload from 3 services
    to 101 (each needs output pipes and a pidfd) cannot start them all. Either
    every service runs, or `tendctl reload` fails naming what failed; never
    "reload ok" with services looping in backoff on EMFILE."""
    ctl = faultlib.Ctl()
    try:
        cfg = tmp_path / "tend.toml"
        faultlib.write_config(cfg, {f"s{i}": f'command = "sleep {1000 + i}"\n' for i in range(3)})
        t = tend("--config", str(cfg), env={"TEND_CONTROL": ctl.sock},
                 wrap=["prlimit", "--nofile=200:200", "--"])  # as `ulimit -n 200; exec tend`
        wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
        t.err.wait_for(r"^tend: s2: started")
        assert resource.prlimit(t.host_pid, resource.RLIMIT_NOFILE) == (200, 200)
        names = [f"s{i}" for i in range(101)]
        faultlib.write_config(cfg, {n: f'command = "sleep {1000 + i}"\n' for i, n in enumerate(names)})
        r = ctl("reload", timeout=60)
        if r.returncode != 0:
            assert re.search(r"(?i)(open files|EMFILE|file descriptors|fds|s\d+)", r.stderr), (
                f"reload failed without naming what: {r.stderr!r}")
            return
        # Said ok: every service must come up (a fork costs up to 30 ms here).
        deadline = time.monotonic() + 15
        while True:
            status = ctl.status()
            failing = [n for n in names if status[n]["state"] != "running"]
            if not failing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        emfile = t.err.matching(r"Too many open files")
        assert not failing, (
            f"`tendctl reload` said ok, but {len(failing)} of 101 services are not running "
            f"({', '.join(failing[:5])}...: {status[failing[0]]['state']}); "
            f"{len(emfile)} EMFILE lines, e.g. {emfile[:1]}")
    finally:
        ctl.close()
