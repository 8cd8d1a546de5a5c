"""Daemonizing commands: the daemon they leave is known by lineage (what the
command left, whatever its name) or, for one that ran before tend or with
lineage off, found in the process table by name; it is watched through
pidfds, and its command is run again when it dies."""
import os
import shutil
import signal
import time

import pytest

from conftest import proc_stat, wait_until


@pytest.fixture
def faked(tmp_path):
    """An init-script-like command `<tmp>/init.d/faked start` that starts a
    daemon named `faked` (a copy of sleep) in the background and exits 0."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "init.d").mkdir()
    daemon = tmp_path / "bin" / "faked"
    shutil.copy("/bin/sleep", daemon)
    script = tmp_path / "init.d" / "faked"
    script.write_text(f"""#!/bin/sh
case "$1" in
  start) echo "starting faked"; {daemon} 1000 & {daemon} 1000 & exit 0 ;;
  decoy) sleep 1000 & exit 0 ;;
  nested) sh -c "{daemon} 1000; sleep 1000" & exit 0 ;;
esac
""")
    script.chmod(0o755)
    return tmp_path


def daemons(t, comm="faked"):
    return [p for p in t.processes() if (proc_stat(p) or ("Z", ""))[1] == comm
            and proc_stat(p)[0] != "Z"]


def test_daemon_is_adopted_and_restarted_when_it_dies(tend, faked):
    t = tend(f"{faked}/init.d/faked start")
    t.err.wait_for(r"faked: its command left [a-z, ]+ \(pids [\d ]+[^)]*\); watching it")
    first = wait_until(lambda: daemons(t) if len(daemons(t)) == 2 else None, what="2 daemons")
    assert len(first) == 2
    for pid in first:
        os.kill(pid, signal.SIGKILL)
    t.err.wait_for(r"faked: daemon \(pid \d+\) killed by SIGKILL after .*; restarting now")
    t.err.wait_for(r"faked: started", count=2)
    t.err.wait_for(r"faked: its command left", count=2)
    second = wait_until(lambda: daemons(t) if len(daemons(t)) == 2 else None, what="new daemons")
    assert not set(second) & set(first)
    assert not t.zombies()


def test_restart_needs_only_the_main_processes_to_die(tend, faked):
    t = tend(f"{faked}/init.d/faked start")
    t.err.wait_for(r"faked: its command left")
    a, b = wait_until(lambda: daemons(t) if len(daemons(t)) == 2 else None, what="2 daemons")
    os.kill(a, signal.SIGKILL)  # both are main processes: one left, no restart
    time.sleep(0.3)
    assert len(t.err.matching(r"faked: started")) == 1
    os.kill(b, signal.SIGKILL)
    t.err.wait_for(r"faked: started", count=2)


def test_no_daemon_appearing_is_a_failed_start_with_a_hint(tend, faked):
    # With lineage off, names are all tend has: a `sleep` is not a `faked`.
    t = tend("--lineage-window", "0", f"{faked}/init.d/faked decoy")
    line = t.err.wait_for(r"faked: command exited 0 but no process named 'faked' appeared "
                          r"within 3.0s", timeout=8)[0]
    assert "set its match rule" in line and "restarting" in line


def test_whatever_the_command_left_is_its_daemon(tend, faked):
    # With lineage the decoy is what the command left, so it is its daemon.
    t = tend(f"{faked}/init.d/faked decoy")
    t.err.wait_for(r"faked: its command left [a-z, ]+ \(pid \d+[^)]*\); watching it")
    time.sleep(1)
    assert len(t.err.matching(r"faked: started")) == 1


def test_running_daemon_is_adopted_not_started_twice(faked):
    # An entrypoint that starts the daemon itself, then execs tend as PID 1.
    import subprocess
    from conftest import TEND
    proc = subprocess.Popen(
        ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child", "sh", "-c",
         f"{faked}/bin/faked 1000 & exec {TEND} --syslog '' '{faked}/init.d/faked start'"],
        stderr=subprocess.PIPE, start_new_session=True)
    try:
        from conftest import Stream
        err = Stream(proc.stderr)
        err.wait_for(r"faked: already running \(pid \d+\); adopted, not started again")
        time.sleep(0.3)
        assert not err.matching(r"faked: started")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_two_services_do_not_share_a_daemon(tend, faked):
    t = tend(f"{faked}/init.d/faked start", f"{faked}/init.d/faked start")
    # (Names are a snapshot: a subshell caught before its exec is still "sh".)
    t.err.wait_for(r"faked: its command left [a-z, ]+ \(pids [\d ]+[^)]*\)")
    t.err.wait_for(r"faked-2: its command left [a-z, ]+ \(pids [\d ]+[^)]*\)")
    pids = [l.split("(pids ")[1].split(")")[0].split() for l in t.err.matching(r"command left")]
    assert len(pids) == 2 and len(pids[0]) == 2 and len(pids[1]) == 2
    assert not set(pids[0]) & set(pids[1])


def test_by_name_two_services_do_not_share_a_daemon(tend, faked):
    t = tend("--lineage-window", "0", f"{faked}/init.d/faked start", f"{faked}/init.d/faked start")
    t.err.wait_for(r"faked: command exited 0 and left a daemon named 'faked' \(pid [\d ]+\)")
    t.err.wait_for(r"faked-2: command exited 0 and left a daemon named 'faked' \(pid [\d ]+\)")
    pids = [l.split("(pid ")[1].split(")")[0].split() for l in t.err.matching(r"left a daemon")]
    assert not set(pids[0]) & set(pids[1])


def test_shutdown_stops_adopted_daemons(tend, faked):
    t = tend("--grace", "5", f"{faked}/init.d/faked start")
    t.err.wait_for(r"faked: its command left")
    start = time.monotonic()
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    assert time.monotonic() - start < 3
    t.err.wait_for(r"faked: daemon \(pid \d+\) killed by SIGTERM \(stopped\)")
    assert t.processes() == []


def test_without_pidfds_tend_rescans_at_the_interval(tend, faked):
    # The daemon's parent is a shell that outlives it, so its death reaches
    # tend neither as SIGCHLD nor (here) through a pidfd: only the rescan.
    t = tend("--scan-interval", "0.2", f"{faked}/init.d/faked nested", env={"TEND_NO_PIDFD": "1"})
    t.err.wait_for(r"TEND_NO_PIDFD=1: adopted daemons are looked for again every 200ms")
    for pid in daemons(t):
        os.kill(pid, signal.SIGKILL)
    t.err.wait_for(r"faked: daemon named 'faked' gone after .*; restarting", timeout=3)
    assert not t.err.matching(r"daemon \(pid")  # not seen any other way
    t.err.wait_for(r"faked: started", count=2)
    assert len(t.err.matching(r"looked for again every")) == 1  # said once


def _starter(faked, pidfile=None):
    """A start command named `starter` whose daemon is called `faked`."""
    script = faked / "init.d" / "starter"
    record = f"echo $! > {pidfile}; " if pidfile else ""
    script.write_text(f"#!/bin/sh\n{faked}/bin/faked 1000 & {record}exit 0\n")
    script.chmod(0o755)
    return str(script)


def test_renamed_daemon_by_lineage_needs_no_rule(tend, faked):
    t = tend(f"{_starter(faked)} start")
    t.err.wait_for(r"starter: its command left [a-z, ]+ \(pid \d+[^)]*\); watching it")
    wait_until(lambda: daemons(t), what="the faked daemon")
    t.signal(signal.SIGTERM)
    assert t.wait() == 0


def test_renamed_daemon_needs_a_match_rule_without_lineage(tend, faked, tmp_path):
    starter = _starter(faked)
    for rule, shown in [('match = "faked"', "named 'faked'"),
                        ('match = { regex = "bin/faked [0-9]+$" }', "matching regex"),
                        (f'pidfile = "{tmp_path}/faked.pid"', "with the pid in")]:
        if rule.startswith("pidfile"):
            starter = _starter(faked, pidfile=f"{tmp_path}/faked.pid")
        cfg = tmp_path / "tend.toml"
        cfg.write_text(f"[services.web]\ncommand = '{starter} start'\n{rule}\n")
        t = tend("--lineage-window", "0", "--config", str(cfg))
        t.err.wait_for(rf"web: command exited 0 and left a daemon {shown}.*; watching it")
        t.signal(signal.SIGTERM)
        assert t.wait() == 0


def test_renamed_daemon_without_a_rule_or_lineage_is_a_failed_start(tend, faked):
    t = tend("--lineage-window", "0", f"{_starter(faked)} start")
    t.err.wait_for(r"starter: command exited 0 but no process named 'starter' appeared", timeout=8)


def test_forwarded_signals_reach_an_adopted_daemon(tend, faked, tmp_path):
    # `docker kill -s USR1` must reach the daemon an init script left, as
    # `tendctl signal USR1` does: one rule for both.
    daemon = faked / "bin" / "usr1d"
    daemon.write_text("#!/bin/sh\ntrap 'echo got USR1' USR1\necho listening\n"
                      "while :; do sleep 0.1; done\n")
    daemon.chmod(0o755)
    script = faked / "init.d" / "trapper"
    script.write_text(f"#!/bin/sh\n{daemon} & exit 0\n")
    script.chmod(0o755)
    cfg = tmp_path / "tend.toml"
    cfg.write_text(f"[services.trapper]\ncommand = '{script} start'\nmatch = \"usr1d\"\n")
    t = tend("--config", str(cfg))
    t.err.wait_for(r"trapper: its command left [a-z0-9]+ \(pid \d+[^)]*\); watching it")
    t.out.wait_for(r"\| listening$")
    t.signal(signal.SIGUSR1)
    t.out.wait_for(r"^trapper\s*\| got USR1$")
    assert t.proc.poll() is None
