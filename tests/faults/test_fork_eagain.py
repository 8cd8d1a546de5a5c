"""fork() failing with EAGAIN (a pids limit reached): tend logs it, retries with
backoff without spinning, the other services keep running, and the service
starts again once the limit is lifted.

The limit is a pids cgroup (v1 `pids` hierarchy or cgroup v2) holding tend
alone: root ignores RLIMIT_NPROC, so an rlimit could not make tend's own fork
fail."""
import os
import signal
import time

import pytest

from conftest import wait_until
import faultlib

ROOTS = ["/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"]


def make_pids_cgroup():
    """A fresh pids cgroup, or the reason none can be made here."""
    reasons = []
    for root in ROOTS:
        if not os.path.isdir(root):
            continue
        if root != ROOTS[0]:  # cgroup v2: the pids controller must be enabled for children
            try:
                with open(os.path.join(root, "cgroup.subtree_control")) as f:
                    if "pids" not in f.read().split():
                        reasons.append(f"{root}: pids controller not enabled for children")
                        continue
            except OSError as e:
                reasons.append(f"{root}: {e.strerror}")
                continue
        path = os.path.join(root, f"tend-faults-{os.getpid()}")
        try:
            os.mkdir(path)
        except OSError as e:
            reasons.append(f"mkdir {path}: {e.strerror}")
            continue
        if os.path.exists(os.path.join(path, "pids.max")):
            return path, None
        os.rmdir(path)
        reasons.append(f"{path}: no pids.max")
    return None, "; ".join(reasons) or "no cgroup filesystem mounted"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


@pytest.fixture
def pids_cgroup():
    path, reason = make_pids_cgroup()
    if path is None:
        pytest.skip(f"cannot make a pids cgroup here ({reason})")
    yield path
    deadline = time.monotonic() + 10
    while True:
        try:
            os.rmdir(path)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_fork_failing_with_eagain_is_retried(tend, tmp_path, pids_cgroup):
    ctl = faultlib.Ctl()
    t = None
    try:
        cfg = faultlib.write_config(tmp_path / "tend.toml", {
            "steady": 'command = "sleep 1000"\n',
            "victim": 'command = "sleep 999"\nbackoff_initial = "100ms"\nbackoff_max = "500ms"\n',
        })
        t = tend("--config", cfg, env={"TEND_CONTROL": ctl.sock})
        t.err.wait_for(r"^tend: victim: started")
        t.err.wait_for(r"^tend: steady: started")
        steady = faultlib.find(t, "sleep", "1000")
        victim = faultlib.find(t, "sleep", "999")
        # tend alone in the cgroup, at its limit: its next fork fails.
        try:
            write(os.path.join(pids_cgroup, "cgroup.procs"), str(t.host_pid))
        except OSError as e:  # cgroup v2 inside a container: no internal processes
            pytest.skip(f"cannot move tend into {pids_cgroup}: {e.strerror}")
        write(os.path.join(pids_cgroup, "pids.max"), "1")
        os.kill(victim, signal.SIGKILL)
        t.err.wait_for(r"victim: .*(Resource temporarily unavailable|EAGAIN)", timeout=5, count=3)
        faultlib.assert_quiet(t.host_pid, "while every fork fails")
        ctl.answers(within=2, what="tendctl status while forks fail")
        assert faultlib.find(t, "sleep", "1000") == steady
        assert ctl.status("victim")["state"] == "backoff"
        write(os.path.join(pids_cgroup, "pids.max"), "max")
        faultlib.restarted(t, victim, "sleep", "999", timeout=5)
        wait_until(lambda: ctl.status("victim")["state"] == "running", timeout=5,
                   what="victim running again after the limit is lifted")
        assert t.proc.poll() is None
        assert faultlib.find(t, "sleep", "1000") == steady
        assert ctl.status("steady")["restarts"] == 0
    finally:
        if t:
            t.stop()  # before the cgroup is removed
        ctl.close()
