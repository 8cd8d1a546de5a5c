"""tend with a read-only /run (docker run --read-only without a tmpfs on
/run): the default control socket cannot be made, so tend listens on an
abstract socket that tendctl finds on its own, with the same access checks;
an explicit path that fails is an error; --control "" means none."""
import os
import re
import socket
import subprocess
import tempfile

import pytest

from conftest import TEND

# Inside tend's new mount namespace: a read-only, empty /run, and
# TEND_CONTROL unset (the harness sets it to "" for every other test).
READ_ONLY_RUN = ["sh", "-c", 'unset TEND_CONTROL; mount -t tmpfs -o ro,size=64k tmpfs /run '
                 '&& exec "$0" "$@"']
FALLBACK = r"control socket: bind /run/tend\.sock: Read-only file system; listening on " \
           r"(@tend\.control\.\d+\.\d+) instead"


@pytest.fixture
def link():
    d = tempfile.mkdtemp(prefix="tend-ro-")
    os.chmod(d, 0o755)
    path = os.path.join(d, "tendctl")
    os.symlink(TEND, path)
    yield path
    os.unlink(path)
    os.rmdir(d)


def inside(t, command, user=None):
    """Runs a command in tend's PID and mount namespaces, without
    TEND_CONTROL: tendctl finds the socket on its own."""
    su = "setpriv --reuid=65534 --regid=65534 --clear-groups " if user else ""
    return t.run_inside(f"unset TEND_CONTROL; {su}{command}")


def test_tendctl_finds_the_abstract_socket(tend, link):
    t = tend("sleep 1000", wrap=READ_ONLY_RUN)
    t.err.wait_for(FALLBACK)
    name = re.search(FALLBACK, t.err.text()).group(1)
    assert len(t.err.matching(r"control socket")) == 1  # one line says so
    r = inside(t, f"{link} status")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^sleep\s+running", r.stdout, re.M), r.stdout
    r = inside(t, f"{link} health")
    assert r.returncode == 0 and r.stdout.startswith("healthy"), (r.stdout, r.stderr)
    r = inside(t, f"{link} status --json")
    assert r.returncode == 0 and '"name":"sleep"' in r.stdout
    # /run stayed read-only: nothing was made there.
    assert inside(t, "ls -A /run").stdout == ""
    # The name tend logged is the one listening.
    assert name.encode() in open("/proc/net/unix", "rb").read().replace(b"\0", b"@")


def test_abstract_socket_refuses_a_non_permitted_uid(tend, link):
    """nobody, inside the container, connects: tend's SO_PEERCRED check
    refuses it as it would at the path, and logs it."""
    t = tend("sleep 1000", wrap=READ_ONLY_RUN)
    t.err.wait_for(FALLBACK)
    r = inside(t, f"{link} status", user="nobody")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "permission denied" in r.stderr, r.stderr
    t.err.wait_for(r"control: refused uid 65534 \(pid \d+\): not allowed to control tend")
    assert inside(t, f"{link} health").returncode == 0  # root still may


def test_abstract_socket_refuses_peers_outside_the_pid_namespace(tend):
    """An abstract name is reachable from the whole network namespace (other
    containers with --network host): tend answers only processes of its own
    PID namespace, even root's."""
    t = tend("sleep 1000", wrap=READ_ONLY_RUN)
    t.err.wait_for(FALLBACK)
    name = re.search(FALLBACK, t.err.text()).group(1)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect("\0" + name[1:])  # the refusal comes at once, before any request
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    assert b'"ok":false' in data and b"PID namespace" in data, data
    assert b"sleep" not in data
    t.err.wait_for(r"control: refused uid 0 \(pid 0\): outside tend's PID namespace")


def test_tendctl_outside_does_not_find_it(tend, link):
    """From another PID namespace (the host), tendctl's default does not
    reach this tend: the name is its namespaces'."""
    t = tend("sleep 1000", wrap=READ_ONLY_RUN)
    t.err.wait_for(FALLBACK)
    env = {k: v for k, v in os.environ.items() if k != "TEND_CONTROL"}
    r = subprocess.run([link, "--json", "status"], capture_output=True, text=True, timeout=10,
                       env=env)
    assert '"name":"sleep"' not in r.stdout


def test_explicit_control_path_that_fails_is_an_error(tend):
    t = tend("--control", "/run/tend.sock", "sleep 1000", wrap=READ_ONLY_RUN)
    assert t.wait(timeout=10) != 0
    t.err.wait_for(r"tend: cannot start: control socket: bind /run/tend\.sock: Read-only file "
                   r"system \(fix --control, TEND_CONTROL or control_socket")
    assert not t.err.matching(r"sleep: started")
    # tendctl's name for it, --socket, is the same option.
    t = tend("--socket", "/run/other.sock", "sleep 1000", wrap=READ_ONLY_RUN)
    assert t.wait(timeout=10) != 0
    t.err.wait_for(r"bind /run/other\.sock: Read-only file system")


def test_control_empty_means_none(tend, link):
    t = tend("--control", "", "sleep 1000", wrap=READ_ONLY_RUN)
    t.err.wait_for(r"sleep: started")
    assert not t.err.matching(r"control socket")
    r = inside(t, f"{link} status")
    assert r.returncode == 3 and "cannot reach tend" in r.stderr, r.stderr
    assert "@tend.control." in r.stderr  # it says where it looked
