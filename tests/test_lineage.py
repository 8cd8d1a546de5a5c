"""Issue 14 with synthetic commands: a service owns exactly the processes its
command left behind (lineage first, names second), whatever they are called
and wherever they moved (a new session, a double fork), and nothing else;
tend stops them all when the service stops, fails, or its main process dies.
kill_mode = "main" keeps the old behaviour (only the main process)."""
import os
import shutil
import signal
import time

import pytest

from conftest import proc_stat, wait_until


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return None


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st[0] != "Z"


def with_args(t, *args):
    """Host pids of the live processes under tend whose argv is `args`."""
    return sorted(p for p in t.processes() if cmdline(p) == list(args) and alive(p))


def named(t, comm):
    return sorted(p for p in t.processes() if (proc_stat(p) or ("Z", ""))[1] == comm and alive(p))


def starts(t, service):
    return len(t.err.matching(rf"^tend: {service}: started \(pid \d+\)"))


def log_tail(t, n=15):
    return "\n".join(t.err.text().splitlines()[-n:])


def replaced(get, old):
    """A predicate for wait_until: get()'s pids when they are one, not `old`."""
    def check():
        now = get()
        return now if len(now) == 1 and now != old else None
    return check


def samples(count_fn, n=5, every=0.1):
    got = []
    for _ in range(n):
        got.append(count_fn())
        time.sleep(every)
    return got


def write_script(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def copy_of_sleep(tmp_path, name):
    """/bin/sleep under another name: a daemon unlike its start command."""
    path = tmp_path / "bin" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy("/bin/sleep", path)
    return str(path)


# (a) A crashing foreground service that forks a child each run.

CRASHES = 20


def crash_loop_config(tmp_path, fork, kill_mode=None):
    """`sh -c 'sleep 300 & sleep 0.3; exit 1'` (the issue's case, with a
    shorter run so that 20 crashes take seconds): restarted at once each
    time (backoff 20 ms to 50 ms)."""
    key = f'kill_mode = "{kill_mode}"\n' if kill_mode else ""
    return write_script(tmp_path / "tend.toml", f"""
[services.crasher]
command = ["sh", "-c", "{fork} & sleep 0.3; exit 1"]
backoff_initial = "20ms"
backoff_max = "50ms"
{key}""")


def leftovers_after_crashes(t):
    wait_until(lambda: t.proc.poll() is not None or
               len(t.err.matching(r"^tend: crasher: exited with status 1")) >= CRASHES,
               timeout=30.0, interval=0.05, what=f"{CRASHES} crashes")
    assert t.proc.poll() is None, f"tend exited:\n{log_tail(t)}"
    got = samples(lambda: len(with_args(t, "sleep", "300")))
    print(f"`sleep 300` alive after {CRASHES} crashes: {got} (5 samples, 100 ms apart)")
    return got


@pytest.mark.parametrize("fork,kill_mode", [
    ("sleep 300", None),             # in the service's process group
    ("setsid sleep 300", None),      # in a session of its own: only lineage finds it
    ("setsid sleep 300", "group"),   # the default, said explicitly
], ids=["same-group", "own-session", "kill_mode-group"])
def test_crash_loop_leaves_no_leftovers(tend, tmp_path, fork, kill_mode):
    t = tend("--config", crash_loop_config(tmp_path, fork, kill_mode))
    got = leftovers_after_crashes(t)
    # The current run's child, at most: each dead run's child was stopped.
    assert min(got) <= 1, f"{got} `sleep 300` left after {CRASHES} crashes:\n{log_tail(t)}"


def test_kill_mode_main_keeps_the_leftovers(tend, tmp_path):
    t = tend("--config", crash_loop_config(tmp_path, "sleep 300", "main"))
    got = leftovers_after_crashes(t)
    assert min(got) >= CRASHES - 2, f"only {got} `sleep 300` alive:\n{log_tail(t)}"


def test_leftover_ignoring_the_stop_signal_is_killed_after_stop_timeout(tend, tmp_path):
    cfg = write_script(tmp_path / "tend.toml", """
[services.crasher]
command = ["sh", "-c", "(trap '' TERM; exec sleep 300) & sleep 0.5; exit 1"]
stop_timeout = "1s"
""")
    t = tend("--config", cfg)
    first = wait_until(lambda: with_args(t, "sleep", "300"), what="the first child")[0]
    t.err.wait_for(r"^tend: crasher: exited with status 1")
    died = time.monotonic()
    wait_until(lambda: not alive(first), timeout=5.0, what="the child that ignores SIGTERM to die")
    took = time.monotonic() - died
    print(f"leftover ignoring SIGTERM gone {took * 1000:.0f} ms after its parent's exit was logged")
    assert took > 0.5, "it ignores SIGTERM: only SIGKILL, after stop_timeout (1s), ends it"
    assert took < 4.0


# (b) A daemon that double-forks (its intermediate exits at once) into a
# session of its own, under a name unlike its command.

def weird_starter(tmp_path, worker=False):
    daemon = copy_of_sleep(tmp_path, "weirdname")
    if worker:  # the daemon forks a worker first, in its own process group
        copy_of_sleep(tmp_path, "weirdworker")
        run = f"sh -c '{tmp_path}/bin/weirdworker 1000 & exec {daemon} 1000'"
    else:
        run = f"{daemon} 1000"
    return write_script(tmp_path / "bin" / "startweird", f"""#!/bin/sh
echo "starting weirdname"
( setsid {run} </dev/null >/dev/null 2>&1 & )
exit 0
""")


def test_double_forked_renamed_daemon_is_adopted_once(tend, tmp_path):
    t = tend(weird_starter(tmp_path))
    time.sleep(6.0)  # past any 3 s window in which the start could be judged failed
    first = named(t, "weirdname")
    assert len(first) == 1, f"{len(first)} weirdname running:\n{log_tail(t)}"
    assert starts(t, "startweird") == 1, f"run {starts(t, 'startweird')} times:\n{log_tail(t)}"

    os.kill(first[0], signal.SIGKILL)
    begin = time.monotonic()
    second = wait_until(replaced(lambda: named(t, "weirdname"), first), timeout=5.0, what="a new weirdname")
    took = time.monotonic() - begin
    print(f"weirdname back {took * 1000:.0f} ms after SIGKILL")
    assert took < 3.0
    time.sleep(4.0)
    assert named(t, "weirdname") == second, log_tail(t)
    assert starts(t, "startweird") == 2, log_tail(t)


# (c) A start command that starts a daemon, then fails.

def failing_starter(tmp_path):
    daemon = copy_of_sleep(tmp_path, "faildaemon")
    return write_script(tmp_path / "bin" / "startfail", f"""#!/bin/sh
( setsid {daemon} 1000 </dev/null >/dev/null 2>&1 & )
sleep 0.2
echo "startfail: bad configuration" >&2
exit 3
""")


def test_failed_start_stops_what_it_left_and_is_restarted_with_backoff(tend, tmp_path):
    t = tend(failing_starter(tmp_path))
    first = wait_until(lambda: named(t, "faildaemon"), what="the first daemon")[0]
    t.err.wait_for(r"^tend: startfail: exited with status 3")
    wait_until(lambda: not alive(first), timeout=3.0, what="the failed start's daemon to be stopped")
    # The restart policy (always) applies: restarted, with growing delays.
    lines = t.err.wait_for(r"^tend: startfail: exited with status 3 .*; restarting", count=4, timeout=10)
    assert any("restarting in" in l for l in lines), lines
    got = samples(lambda: len(named(t, "faildaemon")))
    print(f"faildaemon alive after {starts(t, 'startfail')} failed starts: {got}")
    assert min(got) <= 1, f"{got} faildaemon alive:\n{log_tail(t)}"


def test_failed_start_with_restart_never_leaves_nothing(tend, tmp_path):
    cfg = write_script(tmp_path / "tend.toml", f"""
[services.startfail]
command = "{failing_starter(tmp_path)}"
restart = "never"
[services.keeper]
command = "sleep 1000"
""")
    t = tend("--config", cfg)
    first = wait_until(lambda: named(t, "faildaemon"), what="the daemon")[0]
    t.err.wait_for(r"^tend: startfail: exited with status 3")
    wait_until(lambda: not alive(first), timeout=3.0, what="the failed start's daemon to be stopped")
    time.sleep(1.0)
    assert starts(t, "startfail") == 1
    assert named(t, "faildaemon") == []
    assert t.proc.poll() is None  # keeper still runs, so does tend


# (d) Two services whose daemons have the same name.

def twin_script(tmp_path, sub, arg):
    daemon = tmp_path / "bin" / "twin"
    if not daemon.exists():
        copy_of_sleep(tmp_path, "twin")
    # Named like its daemon, as init scripts are; the daemon leaves the
    # script's process group; the script lingers, so that when it exits
    # both services' daemons are in the process table.
    return write_script(tmp_path / sub / "init.d" / "twin", f"""#!/bin/sh
( setsid {daemon} {arg} </dev/null >/dev/null 2>&1 & )
sleep 0.5
exit 0
""")


def test_two_services_with_same_named_daemons_each_own_theirs(tend, tmp_path):
    a = twin_script(tmp_path, "a", 1001)
    b = twin_script(tmp_path, "b", 1002)
    twin = str(tmp_path / "bin" / "twin")
    t = tend(f"{a} start", f"{b} start")  # services twin (1001) and twin-2 (1002)
    time.sleep(6.0)
    one, two = with_args(t, twin, "1001"), with_args(t, twin, "1002")
    assert len(one) == 1 and len(two) == 1, f"twin 1001: {one}, twin 1002: {two}\n{log_tail(t)}"
    assert (starts(t, "twin"), starts(t, "twin-2")) == (1, 1), log_tail(t)

    # Killing one service's daemon restarts that service only.
    os.kill(one[0], signal.SIGKILL)
    new_one = wait_until(replaced(lambda: with_args(t, twin, "1001"), one), timeout=5.0, what="1001 back")
    time.sleep(4.0)
    assert with_args(t, twin, "1001") == new_one
    assert with_args(t, twin, "1002") == two, log_tail(t)
    assert (starts(t, "twin"), starts(t, "twin-2")) == (2, 1), log_tail(t)

    os.kill(two[0], signal.SIGKILL)
    wait_until(replaced(lambda: with_args(t, twin, "1002"), two), timeout=5.0, what="1002 back")
    time.sleep(4.0)
    assert with_args(t, twin, "1001") == new_one, log_tail(t)
    assert (starts(t, "twin"), starts(t, "twin-2")) == (2, 2), log_tail(t)


# tendctl stop and restart stop every process the service owns: the
# daemon its command left in a session of its own, and the worker the
# daemon forked.

def test_stop_and_restart_end_every_process_of_the_service(tend, tmp_path, ctl):
    t = tend(weird_starter(tmp_path, worker=True), "sleep 1000", env={"TEND_CONTROL": ctl.sock})
    wait_until(lambda: os.path.exists(ctl.sock), what="control socket")

    def both():
        d, w = named(t, "weirdname"), named(t, "weirdworker")
        return (d, w) if len(d) == 1 and len(w) == 1 else None
    wait_until(both, what="weirdname and its worker")
    time.sleep(4.0)
    d1, w1 = both() or ([], [])
    assert d1 and w1, (f"weirdname {named(t, 'weirdname')}, weirdworker {named(t, 'weirdworker')}:\n"
                       f"{log_tail(t)}")

    r = ctl("stop", "startweird")
    assert r.returncode == 0, r
    wait_until(lambda: not named(t, "weirdname") and not named(t, "weirdworker"), timeout=3.0,
               what="the daemon and its worker stopped")
    time.sleep(1.0)
    assert not named(t, "weirdname") and not named(t, "weirdworker"), "started again while stopped"

    r = ctl("start", "startweird")
    assert r.returncode == 0, r
    d2, w2 = wait_until(both, timeout=5.0, what="the daemon and its worker back")
    r = ctl("restart", "startweird")
    assert r.returncode == 0, r
    d3, w3 = wait_until(lambda: (lambda b: b if b and b[0] != d2 else None)(both()), timeout=5.0,
                        what="a new daemon and worker")
    assert w3 != w2  # the old worker was stopped, not left beside the new one
    time.sleep(4.0)
    assert both() == (d3, w3), log_tail(t)
    assert starts(t, "startweird") == 3, log_tail(t)
    assert len(named(t, "sleep")) == 1  # the other service was not touched
