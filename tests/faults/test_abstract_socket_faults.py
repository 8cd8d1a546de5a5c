"""The abstract control socket (a read-only /run): a squatter holding its
name before tend, a second tend in the same namespaces, and a few hundred
clients at once. tend never takes a name someone holds and says so in one
line; tendctl does not trust a holder from outside the container; the
services run on; every client is answered and tend's fds come back."""
import json
import os
import re
import socket
import tempfile
import textwrap
import time

import pytest

from conftest import TEND, wait_until
import faultlib

NAME = r"@tend\.control\.\d+\.\d+"


def read_only_run(hold_dir=None):
    """The wrap that gives tend a read-only /run; with hold_dir, it first
    writes its namespaces' inodes there and waits for a file named go."""
    hold = ""
    if hold_dir:
        hold = (f'echo "$(stat -L -c %i /proc/self/ns/pid).$(stat -L -c %i /proc/self/ns/mnt)" '
                f'> {hold_dir}/ns; while [ ! -e {hold_dir}/go ]; do sleep 0.02; done; ')
    return ["sh", "-c", "unset TEND_CONTROL; mount -t tmpfs -o ro,size=64k tmpfs /run && "
            + hold + 'exec "$0" "$@"']


@pytest.fixture
def link():
    d = tempfile.mkdtemp(prefix="tend-abs-")
    os.chmod(d, 0o755)
    os.symlink(TEND, os.path.join(d, "tendctl"))
    yield os.path.join(d, "tendctl")
    os.unlink(os.path.join(d, "tendctl"))
    os.rmdir(d)


def test_squatter_outside_the_container_is_neither_displaced_nor_trusted(tend, link, tmp_path):
    t = tend("sleep 1000", wrap=read_only_run(str(tmp_path)))
    wait_until(lambda: (tmp_path / "ns").exists() and (tmp_path / "ns").read_text().strip(),
               what="tend's namespaces")
    name = "\0tend.control." + (tmp_path / "ns").read_text().strip()
    squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    squatter.bind(name)
    squatter.listen(16)
    try:
        (tmp_path / "go").touch()
        t.err.wait_for(r"control socket disabled: bind /run/tend\.sock: Read-only file system; "
                       rf"and the abstract socket {NAME} is taken by another process .*not "
                       r"taking it.* \(set --control PATH\)")
        t.err.wait_for(r"sleep: started")
        r = t.run_inside(f"unset TEND_CONTROL; {link} health")
        assert r.returncode == 3, (r.returncode, r.stdout, r.stderr)
        assert re.search(rf"not trusting {NAME}: its holder is outside this PID namespace",
                         r.stderr), r.stderr
        assert "healthy" not in r.stdout
        # Still the squatter's: tend took nothing.
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with pytest.raises(OSError):
            probe.bind(name)
        probe.close()
        assert t.proc.poll() is None
        assert len(t.err.matching(r"control socket")) == 1  # said once
    finally:
        squatter.close()


def test_second_tend_in_the_same_namespaces_is_refused_clearly(tend, link):
    """tend under tend, both on a read-only /run: the inner one finds the
    name taken, says so, and runs its service; tendctl reaches the outer."""
    t = tend(f"{TEND} 'sleep 1001'", wrap=read_only_run())
    t.err.wait_for(rf"control socket: bind /run/tend\.sock: Read-only file system; listening on "
                   rf"{NAME} instead")
    t.err.wait_for(rf"tend: control socket disabled: .*the abstract socket {NAME} is taken by "
                   r"another process \(another tend in this PID and mount namespace", timeout=10)
    wait_until(lambda: t.out.matching(r"sleep: started") or t.err.matching(r"sleep: started"),
               what="the inner tend's service")
    r = t.run_inside(f"unset TEND_CONTROL; {link} --json status")
    assert r.returncode == 0, r.stderr
    assert [s["name"] for s in json.loads(r.stdout)["services"]] == ["tend"]


FLOOD = textwrap.dedent("""
    import os, socket, sys, time
    name = "\\0" + sys.argv[1]  # without its @
    n = int(sys.argv[2])
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        for _ in range(2000):  # a full backlog says EAGAIN: tend has not accepted yet
            try:
                s.connect(name)
                break
            except BlockingIOError:
                time.sleep(0.005)
        s.sendall(b'{"v":1,"cmd":"status"}\\n')
        socks.append(s)
    ok = busy = other = 0
    for s in socks:
        data = b""
        try:
            while not data.endswith(b"\\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        if b'"ok":true' in data:
            ok += 1
        elif b"busy" in data:
            busy += 1
        else:
            other += 1
        s.close()
    print(ok, busy, other)
""")


def test_many_clients_on_the_abstract_socket(tend, link, tmp_path):
    t = tend("sleep 1000", wrap=read_only_run())
    t.err.wait_for(rf"listening on ({NAME}) instead")
    name = re.search(rf"listening on ({NAME}) instead", t.err.text()).group(1)
    script = tmp_path / "flood.py"
    script.write_text(FLOOD)
    assert t.run_inside(f"unset TEND_CONTROL; {link} health").returncode == 0
    time.sleep(0.2)
    baseline = faultlib.fd_count(t.host_pid)
    for _ in range(3):
        r = t.run_inside(f"/usr/bin/python3 {script} '{name[1:]}' 300", timeout=120)
        assert r.returncode == 0, r.stderr
        ok, busy, other = map(int, r.stdout.split())
        print(f"300 clients at once on {name}: {ok} answered, {busy} told busy, {other} neither")
        assert other == 0, f"{other} of 300 clients got neither a reply nor 'busy' ({r.stdout})"
        assert ok + busy == 300 and ok > 0, r.stdout
    assert t.run_inside(f"unset TEND_CONTROL; {link} health").returncode == 0
    faultlib.assert_fds_back(t.host_pid, baseline, "after 900 abstract-socket clients")
    assert t.proc.poll() is None
