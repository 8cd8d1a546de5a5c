"""The measures themselves: each one sees the defect it guards against, so an
invariant test that passes means something."""
import subprocess
import sys

import faultlib


def helper(code):
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def test_cpu_share_sees_a_spinning_process():
    spin = subprocess.Popen(["sh", "-c", "while :; do :; done"])
    idle = subprocess.Popen(["sleep", "30"])
    try:
        busy = faultlib.cpu_share(spin.pid, faultlib.QUIET_WINDOW)
        quiet = faultlib.cpu_share(idle.pid, faultlib.QUIET_WINDOW)
        # Even on a loaded 2-CPU machine a spinner gets far more than the limit.
        assert busy > 2 * faultlib.SPIN_SHARE, f"spinner measured at {busy:.0%}"
        assert quiet < faultlib.SPIN_SHARE / 10, f"sleep measured at {quiet:.0%}"
    finally:
        spin.kill()
        idle.kill()
        spin.wait()
        idle.wait()


def test_fd_count_and_rss_anon_see_a_leak():
    # Opens 50 fds and touches 4 MiB of anonymous memory on request.
    p = helper("import os,sys\n"
               "sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.readline()\n"
               "fds=[os.open('/dev/null', os.O_RDONLY) for _ in range(50)]\n"
               "blob=bytearray(4<<20)\n"
               "for i in range(0, len(blob), 4096): blob[i]=1\n"
               "sys.stdout.write('leaked\\n'); sys.stdout.flush(); sys.stdin.readline()\n")
    try:
        assert p.stdout.readline() == "ready\n"
        fds, rss = faultlib.fd_count(p.pid), faultlib.rss_anon_kib(p.pid)
        p.stdin.write("go\n")
        p.stdin.flush()
        assert p.stdout.readline() == "leaked\n"
        assert faultlib.fd_count(p.pid) - fds >= 50 > faultlib.FD_MARGIN
        assert faultlib.rss_anon_kib(p.pid) - rss >= 4096 > faultlib.RSS_MARGIN_KIB
        assert faultlib.settle_fds(p.pid, fds, timeout=0.2) > fds + faultlib.FD_MARGIN
    finally:
        p.kill()
        p.wait()
