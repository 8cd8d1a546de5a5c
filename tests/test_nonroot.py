"""tend as a non-root user, as PID 1: services run as that user, and a
control socket it may not create is only a warning."""
import os
import signal
import subprocess

from conftest import TEND, Stream


def test_runs_as_nobody_and_services_too():
    proc = subprocess.Popen(
        ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child",
         "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
         TEND, "--control", "/run/tend-test-nobody.sock", "sh -c 'echo uid=$(id -u); sleep 1000'"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = Stream(proc.stdout), Stream(proc.stderr)
        out.wait_for(r"^sh \| uid=65534$")
        err.wait_for(r"control socket disabled: bind /run/tend-test-nobody.sock: Permission denied")
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
