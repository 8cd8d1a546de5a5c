"""Shutdown when things are in the way: SIGTERM in the middle of starting 100
services, a SIGSTOPped service, a stdout nobody reads."""
import os
import signal
import subprocess
import time

import pytest

from conftest import TEND, Stream, children_of, wait_until
import faultlib

SERVICES = 100


def session_members(sid):
    """Pids of every process in session sid, on the whole host."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            text = faultlib._read(f"/proc/{name}/stat")
            if text:
                rest = text[text.rindex(")") + 2:].split()
                if int(rest[3]) == sid:
                    out.append(int(name))
    return out


def startup_config(tmp_path):
    """100 services: 50 start at once, a oneshot `gate` takes 2 s, and 49
    wait for it (depends_on): start-up spans several turns of the loop."""
    services = {f"now{i}": f'command = "sleep {1000 + i}"\n' for i in range(50)}
    services["gate"] = 'type = "oneshot"\ncommand = "sleep 2"\n'
    for i in range(SERVICES - 51):
        services[f"later{i}"] = f'command = "sleep {2000 + i}"\ndepends_on = ["gate"]\n'
    return faultlib.write_config(tmp_path / "tend.toml", services)


@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "subreaper"])
def test_sigterm_while_100_services_start(tend, tmp_path, pid1):
    """As PID 1 the kernel would kill leftovers when tend exits, so the proof
    is that each started service was stopped by SIGTERM, and the exit code;
    as a subreaper (not PID 1) nothing of tend's session may outlive it."""
    t = tend("--grace", "5", "--config", startup_config(tmp_path), pid1=pid1)
    t.err.wait_for(r"^tend: gate: started", timeout=20)
    began = time.monotonic()
    t.signal(signal.SIGTERM)
    rc = t.wait(timeout=30)
    took = time.monotonic() - began
    started = t.err.matching(r"^tend: \S+: started")
    termed = t.err.matching(r"^tend: \S+: killed by SIGTERM")
    assert rc == 0, f"exit {rc}: " + "\n".join(t.err.lines[-5:])
    assert len(termed) == len(started), f"{len(started)} started, {len(termed)} ended on SIGTERM"
    assert not t.err.matching(r"^tend: later\d+: started"), "a dependent started during shutdown"
    assert took < 5, f"exit took {took:.1f} s (grace 5 s)"
    assert not t.err.matching(r"SIGKILL")
    if not pid1:
        left = session_members(t.proc.pid)
        assert not left, f"left behind: {[faultlib.cmdline(p) for p in left]}"
    print(f"{len(started)} of {SERVICES} started when SIGTERM came; exit 0 in {took:.2f} s")


def test_sigstopped_service_is_continued_at_shutdown(tend):
    """Issue 12, defect 9: a stopped process never sees SIGTERM until it is
    continued, so tend sends SIGCONT after the stop signal. Then it exits 0
    well within the grace, without SIGKILL."""
    t = tend("--grace", "6", "sleep 1000", "sleep 999")
    t.err.wait_for(r"sleep-2: started")
    os.kill(faultlib.find(t, "sleep", "1000"), signal.SIGSTOP)
    wait_until(lambda: faultlib._stat(faultlib.find(t, "sleep", "1000"))[0] == "T",
               what="service stopped")
    began = time.monotonic()
    t.signal(signal.SIGTERM)
    try:
        rc = t.wait(timeout=20)
    finally:
        took = time.monotonic() - began
    assert rc == 0 and took < 3, (
        f"exit {rc} after {took:.1f} s (grace 6 s): " + " / ".join(t.err.lines[-3:]))
    assert not t.err.matching(r"SIGKILL")


def test_exit_is_not_held_by_a_stdout_nobody_reads(tmp_path):
    """Issue 12, defect 7: tend's stdout a FIFO whose reader never reads (the
    test holds it open O_RDWR so opening it does not block). After SIGTERM
    tend must exit within the grace and a few seconds, not hang in write()."""
    fifo = str(tmp_path / "out.fifo")
    os.mkfifo(fifo)
    holder = os.open(fifo, os.O_RDWR)  # a reader that never reads
    out = os.open(fifo, os.O_WRONLY)
    env = dict(os.environ, TEND_CONTROL="", TEND_SYSLOG="")
    proc = subprocess.Popen(
        ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child", TEND, "--grace", "2",
         "yes filler"],
        stdout=out, stderr=subprocess.PIPE, env=env, start_new_session=True)
    os.close(out)
    err = Stream(proc.stderr)
    try:
        err.wait_for(r"yes: started")
        # Let the FIFO (64 KiB) and tend's own buffer (256 KiB) fill up.
        time.sleep(1.5)
        tend_pid = wait_until(lambda: children_of(proc.pid), what="tend")[0]
        began = time.monotonic()
        os.kill(tend_pid, signal.SIGTERM)
        try:
            rc = proc.wait(timeout=2 + 5)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - began
        assert rc is not None, (
            f"tend still running {took:.0f} s after SIGTERM (grace 2 s), in "
            f"{faultlib._read(f'/proc/{tend_pid}/wchan')}; its log: " + " / ".join(err.lines[-3:]))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        os.close(holder)
