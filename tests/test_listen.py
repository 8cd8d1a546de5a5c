"""Held listening sockets (issue 16): tend binds a service's `listen`
addresses and passes them as fds 3, 4, ... with LISTEN_FDS, LISTEN_PID and
LISTEN_FDNAMES (sd_listen_fds), and keeps them across restarts and reloads."""
import json
import os
import signal
import socket
import stat
import subprocess
import threading
import time

from conftest import TEND, proc_stat, status_field, wait_until

# A server of one's own: accepts on fds 3, 4, ..., answers each client with its pid.
SERVER = """
import os, select, socket
assert os.environ["LISTEN_PID"] == str(os.getpid()), "LISTEN_PID"
n = int(os.environ["LISTEN_FDS"])
names = os.environ["LISTEN_FDNAMES"].split(":")
print("fds", n, "names", ":".join(names), flush=True)
socks = [socket.socket(fileno=3 + k) for k in range(n)]
while True:
    for s in select.select(socks, [], [])[0]:
        c, _ = s.accept()
        c.sendall(("pid %d\\n" % os.getpid()).encode())
        c.close()
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(port, timeout=2.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        return c.recv(100).decode()


def server_config(listen, extra=""):
    return f"""[services.srv]
command = ["/usr/bin/python3", "-c", '''{SERVER}''']
backoff_initial = "10ms"
backoff_max = "20ms"
listen = {listen}
{extra}"""


def fd_inode(pid, fd):
    link = os.readlink(f"/proc/{pid}/fd/{fd}")
    assert link.startswith("socket:["), link
    return link


def server_pid(t, old=None, comm="python3"):
    def found():
        for p in t.processes():
            st = proc_stat(p)
            if st and st[0] != "Z" and st[1] == comm and p != old:
                try:
                    fd_inode(p, 3)
                    return p
                except (OSError, AssertionError):
                    pass
        return None
    return wait_until(found, what="the server running with its fd 3")


def test_sigkill_loop_refuses_nothing(tend, tmp_path):
    """25 SIGKILLs while a client connects every few ms: no connection is
    refused (the backlog holds them while the service restarts), at most
    one fails per kill (the one the dying instance had accepted)."""
    port = free_port()
    cfg = tmp_path / "tend.toml"
    cfg.write_text(server_config(f'["tcp://127.0.0.1:{port}"]'))
    t = tend("--control", "", "--config", str(cfg))
    t.out.wait_for(r"srv \| fds 1 names srv")
    counts = {"ok": 0, "refused": 0, "failed": 0}
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                counts["ok" if ask(port).startswith("pid ") else "failed"] += 1
            except ConnectionRefusedError:
                counts["refused"] += 1
            except OSError:
                counts["failed"] += 1
            time.sleep(0.003)

    th = threading.Thread(target=client)
    th.start()
    try:
        pid = server_pid(t)
        for k in range(25):
            t.out.wait_for(r"srv \| fds 1", count=k + 1)  # this instance accepts
            time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)
            pid = server_pid(t, old=pid)
        t.out.wait_for(r"srv \| fds 1", count=26)
        time.sleep(0.1)
    finally:
        stop.set()
        th.join(10)
    print("listen kill loop:", counts)
    assert counts["refused"] == 0, counts
    assert counts["failed"] <= 25, counts
    assert counts["ok"] > 100, counts
    t.err.wait_for(r"srv: started", count=26)




def test_privileged_port_nobody(tend, tmp_path):
    cfg = tmp_path / "tend.toml"
    cfg.write_text(server_config('["tcp://127.0.0.1:80"]', 'user = "nobody"\n'))
    os.chmod(tmp_path, 0o755)
    os.chmod(cfg, 0o644)
    t = tend("--control", "", "--config", str(cfg), netns=True)
    t.out.wait_for(r"srv \| fds 1 names srv")
    pid = server_pid(t)
    assert status_field(pid, "Uid")[0] == "65534"
    r = t.run_inside("python3 -c 'import socket; c = socket.create_connection((\"127.0.0.1\", 80), 2); "
                     "print(c.recv(100).decode())'")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("pid "), r.stdout


def test_unix_socket_with_mode_and_names(tend, tmp_path):
    path = tmp_path / "app.sock"
    port = free_port()
    cfg = tmp_path / "tend.toml"
    cfg.write_text(server_config(
        f'[{{ address = "unix:{path}", mode = "0660", name = "admin" }}, "tcp://127.0.0.1:{port}"]'))
    t = tend("--control", "", "--config", str(cfg))
    t.out.wait_for(r"srv \| fds 2 names admin:srv")
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(2)
        c.connect(str(path))
        assert c.recv(100).startswith(b"pid ")


def test_reload_keeps_the_unchanged_socket(tend, tmp_path):
    """A reload that adds one address and removes another: the kept one is
    the same socket (inode) in the restarted service; the removed one is
    closed, the added one answers."""
    keep, drop, add = free_port(), free_port(), free_port()
    cfg = tmp_path / "tend.toml"
    cfg.write_text(server_config(f'["tcp://127.0.0.1:{keep}", "tcp://127.0.0.1:{drop}"]'))
    t = tend("--control", "", "--config", str(cfg))
    t.out.wait_for(r"srv \| fds 2")
    old = server_pid(t)
    kept_inode, dropped_inode = fd_inode(old, 3), fd_inode(old, 4)
    first = ask(drop)
    assert first.startswith("pid ")
    cfg.write_text(server_config(f'["tcp://127.0.0.1:{keep}", "tcp://127.0.0.1:{add}"]'))
    t.signal(signal.SIGHUP)
    t.err.wait_for(r"reloaded: .*1 changed")
    new = server_pid(t, old=old)
    assert fd_inode(new, 3) == kept_inode
    assert fd_inode(new, 4) not in (kept_inode, dropped_inode)
    second = ask(keep)
    assert second.startswith("pid ") and second != first  # the restarted instance
    assert ask(add).startswith("pid ")
    wait_until(lambda: not can_connect(drop), what="the dropped address closed")


def can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_gunicorn_serves_on_tends_socket(tend, tmp_path):
    """gunicorn (Debian's) reads LISTEN_FDS/LISTEN_PID and serves on them."""
    port = free_port()
    (tmp_path / "hello.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'hello from gunicorn\\n']\n")
    cfg = tmp_path / "tend.toml"
    cfg.write_text(f"""[services.web]
command = ["gunicorn", "--workers", "2", "--chdir", "{tmp_path}", "hello:app"]
listen = ["tcp://127.0.0.1:{port}"]
""")
    t = tend("--control", "", "--config", str(cfg))
    t.err.wait_for(r"web \| .*Listening at: .*127\.0\.0\.1:%d" % port, timeout=15)

    def get():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                data = b""
                while chunk := c.recv(4096):
                    data += chunk
                return data.decode()
        except OSError:
            return ""
    reply = wait_until(lambda: "hello from gunicorn" in get() and get(), timeout=10, what="gunicorn")
    assert " 200 " in reply.splitlines()[0]


def test_status_and_metrics_show_the_sockets(tend, tmp_path):
    port, http = free_port(), free_port()
    sock = tmp_path / "tend.sock"
    link = tmp_path / "tendctl"
    os.symlink(os.environ.get("TEND_BIN", TEND), link)
    cfg = tmp_path / "tend.toml"
    cfg.write_text(f'[tend]\nhttp_listen = "127.0.0.1:{http}"\n' +
                   server_config(f'["tcp://127.0.0.1:{port}", "unix:{tmp_path}/s.sock"]'))
    t = tend("--control", str(sock), "--config", str(cfg))
    t.out.wait_for(r"srv \| fds 2")
    r = subprocess.run([str(link), "--socket", str(sock), "--json", "status"],
                       capture_output=True, text=True, timeout=10)
    assert json.loads(r.stdout)["services"][0]["sockets"] == [
        f"tcp://127.0.0.1:{port}", f"unix:{tmp_path}/s.sock"]
    r = subprocess.run([str(link), "--socket", str(sock), "status"],
                       capture_output=True, text=True, timeout=10)
    assert "LISTEN" in r.stdout and f"tcp://127.0.0.1:{port} unix:{tmp_path}/s.sock" in r.stdout
    with socket.create_connection(("127.0.0.1", http), timeout=2) as c:
        c.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
        body = b""
        while chunk := c.recv(65536):
            body += chunk
    assert (f'tend_service_listen_socket{{service="srv",address="tcp://127.0.0.1:{port}"}} 1'
            in body.decode())
