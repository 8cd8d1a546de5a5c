"""Issue 12, defect 1: whatever reads tend's output goes away (a `docker logs`
pipe, a `| head -1`). tend must not spin on the broken pipe, must keep
supervising, and should say so once on the stream that still works."""
import os
import signal
import subprocess

from conftest import TEND, Stream, children_of, descendants, wait_until
import faultlib


def launch(stdout, stderr):
    env = dict(os.environ, TEND_CONTROL="", TEND_SYSLOG="")
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        ["unshare", "--fork", "--pid", "--mount-proc", "--kill-child", TEND, "--control", "",
         "sleep 1000", "sh -c 'echo first; while :; do sleep 0.2; echo more; done'"],
        stdout=stdout, stderr=stderr, env=env, start_new_session=True)
    pid = wait_until(lambda: children_of(proc.pid), what="tend")[0]
    return proc, pid


class Host:
    """Just enough of conftest.Tend for faultlib.find/restarted."""

    def __init__(self, pid):
        self.host_pid = pid

    def processes(self):
        return descendants(self.host_pid)


def read_line(fd):
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        line += chunk
    return line


def still_supervises(t, problems, rounds=2):
    for _ in range(rounds):
        victim = faultlib.find(t, "sleep", "1000")
        os.kill(victim, signal.SIGKILL)
        try:
            faultlib.restarted(t, victim, "sleep", "1000", timeout=5)
        except AssertionError:
            problems.append("a killed service was not restarted within 5 s")
            return


def test_both_streams_to_a_pipe_whose_reader_left(tmp_path):
    r, w = os.pipe()
    proc, pid = launch(w, w)
    os.close(w)
    try:
        assert read_line(r)  # the first line, then the reader is gone
        os.close(r)
        t = Host(pid)
        problems = []
        still_supervises(t, problems)  # tend writes to the broken pipe now
        share = faultlib.cpu_share(pid)
        if share >= faultlib.SPIN_SHARE:
            problems.append(f"tend used {share:.0%} of a CPU over 2 s after the reader left")
        still_supervises(t, problems)
        if proc.poll() is not None:
            problems.append(f"tend exited with {proc.returncode}")
        assert not problems, "; ".join(problems)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def test_stdout_reader_left_is_said_once_on_stderr(tmp_path):
    r, w = os.pipe()
    proc, pid = launch(w, subprocess.PIPE)
    os.close(w)
    err = Stream(proc.stderr)
    try:
        assert read_line(r)
        os.close(r)
        t = Host(pid)
        problems = []
        err.wait_for(r"sh: started")
        share = faultlib.cpu_share(pid)  # meanwhile `sh` writes `more` 10 times
        if share >= faultlib.SPIN_SHARE:
            problems.append(f"tend used {share:.0%} of a CPU over 2 s after the reader left")
        still_supervises(t, problems)
        said = err.matching(r"(?i)stdout|standard output|broken pipe|EPIPE")
        if len(said) != 1:
            problems.append(f"{len(said)} lines on stderr about the lost stdout, not 1: {said[:3]}")
        if proc.poll() is not None:
            problems.append(f"tend exited with {proc.returncode}")
        assert not problems, "; ".join(problems)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
