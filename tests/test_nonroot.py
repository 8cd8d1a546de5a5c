"""tend as a non-root user, as PID 1: services run as that user; the default
control socket it may not create falls back to an abstract socket, and an
explicit path it may not create is an error before anything starts."""
import os
import signal
import subprocess

from conftest import TEND, Stream


def run_as_nobody(*args):
    env = {k: v for k, v in os.environ.items() if k != "TEND_CONTROL"}
    return subprocess.Popen(
        ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child",
         "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TEND, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)


def test_runs_as_nobody_and_services_too():
    proc = run_as_nobody("sh -c 'echo uid=$(id -u); sleep 1000'")
    try:
        out, err = Stream(proc.stdout), Stream(proc.stderr)
        out.wait_for(r"^sh \| uid=65534$")
        err.wait_for(r"control socket: bind /run/tend.sock: Permission denied; listening on "
                     r"@tend\.control\.\d+\.\d+ instead")
        # As PID 1 it would receive syslog at /dev/log, which nobody cannot create:
        # one warning, and it runs on.
        err.wait_for(r"syslog: bind /dev/log: Permission denied; messages sent to it do not reach")
        err.wait_for(r"sh: started")
        tend_pid = int(open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()[0])
        os.kill(tend_pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_explicit_control_path_nobody_may_not_create_is_an_error():
    proc = run_as_nobody("--control", "/run/tend-test-nobody.sock", "sleep 1000")
    try:
        _, err = proc.communicate(timeout=10)
        assert proc.returncode != 0
        assert "control socket: bind /run/tend-test-nobody.sock: Permission denied" in err.decode()
        assert b"sleep: started" not in err
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
