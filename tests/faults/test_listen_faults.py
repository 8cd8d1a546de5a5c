"""Held listening sockets (issue 16) against what breaks them: an address
someone else holds, hostile values (a huge list, a bad port, a path too
long for a unix socket), a reload to an address that does not bind, and
hundreds of reloads that rebind. The invariants: a clear error naming the
key and the address; nothing half-applied (the running service and its
socket untouched); no fd left behind."""
import os
import signal
import socket
import subprocess

from conftest import TEND, wait_until
import faultlib

RELOADS = 100

SERVER = ("import os, socket\\n"
          "s = socket.socket(fileno=3)\\n"
          "while True:\\n"
          "    c, _ = s.accept(); c.sendall(b'ok'); c.close()\\n")
ARGV = ("/usr/bin/python3", "-c", SERVER.replace("\\n", "\n"))


def service(listen):
    return (f'command = ["/usr/bin/python3", "-c", "{SERVER}"]\n'
            f'backoff_initial = "10ms"\nlisten = {listen}\n')


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
            return c.recv(10) == b"ok"
    except OSError:
        return False


def run(*args):
    return subprocess.run([TEND, "--control", "", *args], capture_output=True, text=True,
                          timeout=20)


def test_a_taken_address_stops_the_start_with_its_name(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cfg = faultlib.write_config(tmp_path / "t.toml",
                                    {"web": service(f'["tcp://127.0.0.1:{port}"]')})
        r = run("--check", cfg)
        assert r.returncode == 2, r
        assert (f"service 'web': 'listen': cannot bind: listen tcp://127.0.0.1:{port}: bind: "
                "Address already in use") in r.stderr
        r = run("--config", cfg)
        assert r.returncode == 1, r
        assert (f"cannot start: service 'web': listen tcp://127.0.0.1:{port}: bind: "
                "Address already in use") in r.stderr


def test_hostile_values_are_errors_naming_the_key(tmp_path):
    cases = {
        "huge list": ("[" + ",".join(f'"tcp://:{1000 + i}"' for i in range(5000)) + "]",
                      "'listen' has 5000 addresses, at most 64"),
        "bad port": ('["tcp://127.0.0.1:0"]', "'listen': 'tcp://127.0.0.1:0': port 0 out of range"),
        "port too big": ('["udp://[::1]:99999999999999999999"]', "out of range (1-65535)"),
        "path too long": (f'["unix:/{"a" * 5000}"]', "a unix socket's is at most 107"),
        "relative path": ('["unix:run/a.sock"]', "'listen': 'unix:run/a.sock': a unix socket needs an absolute path"),
        "no scheme": ('["127.0.0.1:80"]', "not an address"),
        "a name with a colon": ('[{ address = "tcp://:80", name = "a:b" }]', "'listen.name' must be"),
        "NUL in a path": ('["unix:/run/a\\u0000b"]', "NUL"),
    }
    for what, (listen, error) in cases.items():
        cfg = faultlib.write_config(tmp_path / "t.toml", {"web": service(listen)})
        for args in (["--check", cfg], ["--config", cfg]):
            r = run(*args)
            assert r.returncode == 2, (what, args, r)
            assert error in r.stderr, (what, r.stderr[-500:])
            assert "tend.toml" in r.stderr or "t.toml:" in r.stderr, (what, r.stderr[-300:])


def test_a_reload_to_a_taken_address_leaves_the_service_and_its_socket(tend, tmp_path):
    port = faultlib.free_tcp_port()
    cfg = tmp_path / "t.toml"
    faultlib.write_config(cfg, {"srv": service(f'["tcp://127.0.0.1:{port}"]')})
    t = tend("--control", "", "--config", str(cfg))
    t.err.wait_for(r"srv: started")
    wait_until(lambda: answers(port), what="the server answering")
    pid = faultlib.find(t, *ARGV)
    inode = os.readlink(f"/proc/{pid}/fd/3")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        other = taken.getsockname()[1]
        faultlib.write_config(cfg, {"srv": service(
            f'["tcp://127.0.0.1:{port}", "tcp://127.0.0.1:{other}"]')})
        t.signal(signal.SIGHUP)
        t.err.wait_for(rf"reload rejected: service 'srv': listen tcp://127.0.0.1:{other}: bind: "
                       r"Address already in use; the running services are unchanged")
    assert faultlib.find(t, *ARGV) == pid
    assert os.readlink(f"/proc/{pid}/fd/3") == inode
    assert answers(port)
    assert not t.err.matching(r"srv: (started|killed|exited)")[1:]


def test_reloads_that_rebind_leave_no_fd_behind(tend, tmp_path):
    """100 reloads alternating between two lists that share one address:
    each binds one socket and closes one; tend's fd count stays flat and
    the shared address keeps its socket throughout."""
    keep, a, b = (faultlib.free_tcp_port() for _ in range(3))
    cfg = tmp_path / "t.toml"
    lists = [f'["tcp://127.0.0.1:{keep}", "tcp://127.0.0.1:{x}"]' for x in (a, b)]
    faultlib.write_config(cfg, {"srv": service(lists[0])})
    t = tend("--control", "", "--config", str(cfg))
    t.err.wait_for(r"srv: started")
    baseline = None
    kept = None
    for i in range(1, RELOADS + 1):
        faultlib.write_config(cfg, {"srv": service(lists[i % 2])})
        t.signal(signal.SIGHUP)
        t.err.wait_for(r"reloaded: ", count=i, timeout=20)
        # An address a reload dropped is free again only once the instance
        # that had it is gone (no SO_REUSEPORT: two listeners would share it).
        t.err.wait_for(r"srv: started", count=i + 1, timeout=20)
        if i == 10:
            baseline = faultlib.fd_count(t.host_pid)
            kept = held_inode(t.host_pid, keep)
    assert held_inode(t.host_pid, keep) == kept
    faultlib.assert_fds_back(t.host_pid, baseline, "after 100 rebinding reloads", margin=2)
    wait_until(lambda: answers(keep), what="the server answering on the kept address")
    assert held_inode(t.host_pid, a) and not held_inode(t.host_pid, b)


def held_inode(pid, port):
    """The inode of tend's socket listening on 127.0.0.1:port (from /proc/net/tcp)."""
    hexport = f"{port:04X}"
    with open(f"/proc/{pid}/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == f"0100007F:{hexport}" and fields[3] == "0A":
                return fields[9]
    return None
