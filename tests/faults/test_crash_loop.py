"""Crash loops: services that end at once, restarted with no backoff, as
fast as this machine forks. tend's fds and RssAnon stay flat, and a loop
never starves the rest of the event loop."""
import os
import signal
import time

from conftest import TEND, wait_until
import faultlib

# Restarts to aim for, and how long to try: a fork and exec costs 10-30 ms on
# the shared 2-CPU machine, so the time bound usually ends the loop first.
TARGET = 10000
BUDGET_S = 35.0
AT_LEAST = 500  # fewer restarts than this and the test proves nothing


def crash_config(tmp_path):
    # tend's own static binary exits at once, here under two names: one exits
    # 2 after a 2 KB error line on stderr, the other exits 0 after its 2 KB
    # usage on stdout (the path where tend looks for a daemon it might have
    # left). Big outputs fill the services' 64 KiB log rings during warm-up.
    for name in ("crasher", "quitter"):
        os.symlink(TEND, tmp_path / name)
    fast = "backoff_initial = 0\nbackoff_max = 0\n"
    option = "--no-such-option-" + "x" * 2000
    return faultlib.write_config(tmp_path / "tend.toml", {
        "crasher": f'command = ["{tmp_path}/crasher", "{option}"]\n{fast}',
        "quitter": f'command = ["{tmp_path}/quitter", "--help"]\n{fast}',
        "steady": 'command = "sleep 1000"\n',
    })


def restarts(ctl):
    s = ctl.status()
    return s["crasher"]["restarts"] + s["quitter"]["restarts"]


def test_thousands_of_restarts_leave_fds_and_memory_flat(tend, tmp_path):
    ctl = faultlib.Ctl()
    try:
        t = tend("-q", "--config", crash_config(tmp_path), env={"TEND_CONTROL": ctl.sock})
        wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
        steady = t.service_pid("sleep")
        wait_until(lambda: restarts(ctl) >= 200, timeout=30, interval=0.2, what="warm-up")
        pid = t.host_pid
        fds, rss, first = faultlib.fd_count(pid), faultlib.rss_anon_kib(pid), restarts(ctl)
        began = time.monotonic()
        while restarts(ctl) - first < TARGET and time.monotonic() - began < BUDGET_S:
            time.sleep(1)
        done = restarts(ctl) - first
        assert done >= AT_LEAST, f"only {done} restarts in {BUDGET_S:g} s"
        print(f"{done} restarts in {time.monotonic() - began:.0f} s")
        fds_after = faultlib.fd_count(pid)
        rss_after = faultlib.rss_anon_kib(pid)
        # A child between fork and exit holds a pidfd and a report pipe: a few fds.
        assert fds_after <= fds + faultlib.FD_MARGIN, (
            f"fds {fds} -> {fds_after} over {done} restarts")
        assert rss_after <= rss + faultlib.RSS_MARGIN_KIB, (
            f"RssAnon {rss} -> {rss_after} KiB over {done} restarts")
        print(f"fds {fds} -> {fds_after}, RssAnon {rss} -> {rss_after} KiB")
        assert t.service_pid("sleep") == steady and ctl.status("steady")["restarts"] == 0
        assert t.proc.poll() is None
    finally:
        ctl.close()


def test_exec_failure_loop_without_backoff_does_not_starve_the_loop(tend, tmp_path):
    """A command that cannot be executed, restarted with backoff 0: each failed
    start must go back through the event loop, so signals, the control socket
    and the other services are still served. (Found by this suite: today the
    failures are handled in one loop that never returns to epoll_wait.)"""
    ctl = faultlib.Ctl()
    try:
        cfg = faultlib.write_config(tmp_path / "tend.toml", {
            "ghost": 'command = ["/nonexistent/ghost"]\nbackoff_initial = 0\nbackoff_max = 0\n',
            "steady": 'command = "sleep 1000"\n',
        })
        t = tend("-q", "--grace", "2", "--config", cfg, env={"TEND_CONTROL": ctl.sock})
        wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
        steady = t.service_pid("sleep")
        time.sleep(0.5)
        ctl.answers(within=3, what="tendctl status during the exec-failure loop")
        os.kill(steady, signal.SIGKILL)
        faultlib.restarted(t, steady, "sleep", "1000", timeout=5)
        t.signal(signal.SIGTERM)
        assert t.wait(timeout=10) == 0
    finally:
        ctl.close()
