"""sd_notify's fd store under abuse: a service that parks far more fds than
the bound, again and again, across crash restarts. tend keeps at most 16 per
service, says so (rate-limited), and its fd count stays bounded; a stop
closes them all."""
import signal

from conftest import wait_until
import faultlib

# Parks 200 new pipes (10 per datagram) at every start, then crashes.
HOARDER = r"""
import os, socket, sys, time
name = os.environ["NOTIFY_SOCKET"]
address = "\0" + name[1:] if name.startswith("@") else name
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for _ in range(20):
    ends = [os.pipe() for _ in range(10)]
    fds = b"".join(r.to_bytes(4, sys.byteorder) for r, w in ends)
    s.sendmsg([b"FDSTORE=1\nFDNAME=hoard"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)], 0, address)
    for r, w in ends:
        os.close(r)
        os.close(w)
print("got", os.environ.get("LISTEN_FDS", "0"), flush=True)
time.sleep(0.2)
sys.exit(1)
"""


def test_the_fd_store_is_bounded_and_a_stop_empties_it(tend, tmp_path):
    script = tmp_path / "hoarder.py"
    script.write_text(HOARDER)
    sock = str(tmp_path / "tend.sock")
    cfg = faultlib.write_config(tmp_path / "tend.toml", {
        "hoard": f'command = "/usr/bin/python3 {script}"\nnotify = "systemd"\n'
                 'backoff_initial = "10ms"\nbackoff_max = "50ms"\n',
        "idle": 'command = "sleep 1000"\n',
    })
    t = tend("--config", str(cfg), env={"TEND_CONTROL": sock})
    t.err.wait_for(r"^tend: idle: started")
    baseline = faultlib.fd_count(t.host_pid)
    # Ten starts, 2,000 fds offered: each later start gets the 16 kept.
    t.out.wait_for(r"^hoard +\| got 16$", count=9, timeout=60)
    t.err.wait_for(r"hoard: FDSTORE=1: \d+ fd\(s\) refused; at most 16 are kept per service")
    assert len(t.err.matching(r"FDSTORE=1: .* refused")) <= 10, "the warning is rate-limited"
    peak = faultlib.fd_count(t.host_pid)
    print(f"fds: baseline {baseline}, after 10 starts {peak}")
    assert peak <= baseline + 16 + 8, (baseline, peak)
    assert t.proc.poll() is None
    r = faultlib.request(sock, {"v": 1, "cmd": "stop", "names": ["hoard"]})
    assert r.get("ok"), r
    # The 16 stored fds are closed (the output pipes stay, as for any stop).
    wait_until(lambda: faultlib.fd_count(t.host_pid) <= peak - 16, timeout=10,
               what=f"a stop to close the 16 stored fds (peak {peak})")
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
