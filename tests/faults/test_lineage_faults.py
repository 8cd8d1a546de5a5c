"""Lineage under attack: orphan storms inside a shim's window, a shim
killed by hand, more leftovers than one report carries, leftovers that
ignore SIGTERM, and crash loops that leave children behind. Each keeps its
guarantee: no process left over, no zombie, no fd or memory growth, and a
service that keeps running and restarting."""
import os
import signal
import time

from conftest import wait_until
import faultlib


def comm(pid):
    st = faultlib._stat(pid)
    return st[1] if st and st[0] != "Z" else None


def named(t, name):
    return [p for p in t.processes() if comm(p) == name]


def test_a_crash_loop_that_leaves_children_leaves_at_most_the_current_one(tend, tmp_path):
    cfg = faultlib.write_config(tmp_path / "tend.toml", {
        "crashy": "command = \"sh -c 'sleep 300 & sleep 0.2; exit 1'\"\n"
                  "backoff_initial = 0\nbackoff_max = 0\n",
    })
    ctl = faultlib.Ctl()
    try:
        t = tend("-q", "--config", cfg, env={"TEND_CONTROL": ctl.sock})
        wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
        wait_until(lambda: ctl.status("crashy")["restarts"] >= 3, timeout=20, what="warm-up")
        fds, rss = faultlib.fd_count(t.host_pid), faultlib.rss_anon_kib(t.host_pid)
        worst = 0
        began = time.monotonic()
        while ctl.status("crashy")["restarts"] < 40 and time.monotonic() - began < 60:
            worst = max(worst, len([p for p in t.processes() if faultlib.cmdline(p) ==
                                    ["sleep", "300"]]))
            time.sleep(0.05)
        restarts = ctl.status("crashy")["restarts"]
        print(f"{restarts} restarts; at most {worst} 'sleep 300' alive at once")
        assert restarts >= 20
        assert worst <= 1, f"{worst} leftovers alive at once"
        assert not t.zombies()
        faultlib.assert_fds_back(t.host_pid, fds, "crash loop with leftovers")
        assert faultlib.rss_anon_kib(t.host_pid) <= rss + faultlib.RSS_MARGIN_KIB
    finally:
        ctl.close()


def test_an_orphan_storm_inside_the_window_is_reaped_by_the_shim(tend):
    # 500 orphans in the shim's first seconds: each is reparented to the
    # shim, which reaps them; none is left a zombie, tend stays quiet.
    t = tend("sh -c 'for i in $(seq 500); do (sleep 0.01 &); done; echo spawned; sleep 1000'")
    t.out.wait_for(r"spawned", timeout=30)
    wait_until(lambda: len(named(t, "sleep")) == 1 and not t.zombies(), timeout=10,
               what="the orphans reaped, no zombie")
    faultlib.assert_quiet(t.host_pid, "tend after an orphan storm")
    # After the window the shim is gone and the service is tend's own child.
    wait_until(lambda: not t.shims(), timeout=15, what="the shim gone")
    sh = [p for p in t.processes() if comm(p) == "sh"]
    assert len(sh) == 1 and faultlib._read(f"/proc/{sh[0]}/stat").split()[3] == str(t.host_pid)


def test_a_shim_killed_by_hand_loses_nothing(tend):
    t = tend("sleep 1000")
    t.err.wait_for(r"sleep: started")
    shim = wait_until(lambda: (t.shims() or [None])[0], what="the shim")
    sleeper = t.service_pid("sleep")
    os.kill(shim, signal.SIGKILL)
    time.sleep(0.3)
    assert t.proc.poll() is None
    assert not t.err.matching(r"sleep: .*restarting")  # the service did not end
    os.kill(sleeper, signal.SIGKILL)
    t.err.wait_for(r"sleep: killed by SIGKILL after .*; restarting now")
    t.err.wait_for(r"sleep: started", count=2)
    assert not t.zombies()


def test_more_leftovers_than_one_report_carries_are_all_handed_over(tend, tmp_path):
    script = tmp_path / "start-many"
    script.write_text("#!/bin/sh\nfor i in $(seq 150); do setsid sleep 1000 & done\nexit 0\n")
    script.chmod(0o755)
    ctl = faultlib.Ctl()
    try:
        t = tend(str(script), env={"TEND_CONTROL": ctl.sock})
        # (A child caught between setsid and its exec of sleep may still be
        # called setsid: the name is a snapshot, the pids are exact.)
        t.err.wait_for(r"start-many: its command left [a-z, ]+ \(pids [\d ]+ and 142 more\); "
                       r"watching it", timeout=20)
        s = ctl.status("start-many")
        assert s["state"] == "adopted"
        assert len(s["pids"]) == 150, len(s["pids"])
        t.signal(signal.SIGTERM)
        assert t.wait() == 0
        assert t.processes() == []
    finally:
        ctl.close()


def test_leftovers_that_ignore_sigterm_get_sigkill_at_the_stop_timeout(tend, tmp_path):
    # SIG_IGN is inherited across fork and exec: the sleep ignores SIGTERM.
    cfg = faultlib.write_config(tmp_path / "tend.toml", {
        "stubborn": "command = \"sh -c 'trap \\\"\\\" TERM; sleep 300 & sleep 0.5; exit 1'\"\n"
                    "stop_timeout = \"1s\"\nbackoff_initial = 0\n",
    })
    t = tend("--config", cfg)
    t.err.wait_for(r"stubborn: exited with status 1 .*; stopping the 1 process it left", timeout=10)
    start = time.monotonic()
    t.err.wait_for(r"stubborn: still running 1\.0s after the stop request; sending SIGKILL",
                   timeout=5)
    t.err.wait_for(r"stubborn: exited with status 1 .*stopped what it left; restarting now",
                   timeout=5)
    assert time.monotonic() - start < 4
    t.err.wait_for(r"stubborn: started", count=2)
    assert len([p for p in t.processes() if faultlib.cmdline(p) == ["sleep", "300"]]) <= 1


def test_kill_mode_main_keeps_the_old_behaviour(tend, tmp_path):
    cfg = faultlib.write_config(tmp_path / "tend.toml", {
        "loose": "command = \"sh -c 'sleep 300 & sleep 0.3; exit 1'\"\nkill_mode = \"main\"\n"
                 "backoff_initial = 0\n",
    })
    t = tend("--config", cfg)
    t.err.wait_for(r"loose: started", count=4, timeout=10)
    leftovers = [p for p in t.processes() if faultlib.cmdline(p) == ["sleep", "300"]]
    assert len(leftovers) >= 3  # they run on, as they did before lineage
