"""Slowloris on both sockets: many clients that send one byte now and then and
never finish a request. A fresh client is still answered at once, the idle
deadlines drop the slow ones (HTTP: 5 s for the whole head; control socket:
60 s of silence), and tend's fds come back to the baseline."""
import os
import socket
import time

from conftest import wait_until
import faultlib

SLOW = 100  # per socket
DRIBBLE_S = 4.0


def http_get(port, path="/healthz", timeout=3.0):
    """(status, seconds) of a fresh request; status None when it failed."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        parts = data.split(b"\r\n", 1)[0].split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    except OSError:
        status = None
    return status, time.monotonic() - t0


def all_closed_by_peer(socks):
    """Whether the other end of every socket has closed (EOF or reset), reading
    (and discarding) what came before; never blocks."""
    for s in socks:
        try:
            while s.recv(65536):
                pass  # a 408 response, then EOF
        except BlockingIOError:
            return False
        except ConnectionResetError:
            pass
    return True


def test_slowloris_on_the_control_socket_and_http(tend):
    ctl = faultlib.Ctl()
    slow_ctl, slow_http = [], []
    try:
        port = faultlib.free_tcp_port()
        t = tend("--http-listen", f"127.0.0.1:{port}", "sleep 1000", env={"TEND_CONTROL": ctl.sock})
        wait_until(lambda: os.path.exists(ctl.sock), what="control socket")
        wait_until(lambda: http_get(port)[0] == 200, what="HTTP endpoint")
        ctl.answers(within=2)
        fds = faultlib.fd_count(t.host_pid)

        for _ in range(SLOW):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(ctl.sock)
            c.sendall(b'{"v":1,"cmd":"status","x":"')
            c.setblocking(False)
            slow_ctl.append(c)
            h = socket.create_connection(("127.0.0.1", port), timeout=5)
            h.sendall(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
            h.setblocking(False)  # else recv waits out the timeout before it reads
            slow_http.append(h)
        opened = time.monotonic()

        worst_ctl = worst_http = 0.0
        while time.monotonic() - opened < DRIBBLE_S:
            for s in slow_ctl + slow_http:
                try:
                    s.send(b"a")
                except OSError:
                    pass  # dropped already (HTTP evicts beyond 64 clients)
            # The cap is full of clients accepted moments ago: a newcomer
            # replaces the one stalled longest once it has been stalled
            # evict_after (1 s), so "at once" means within about that.
            worst_ctl = max(worst_ctl, ctl.answers(within=2, what="fresh tendctl status"))
            status, took = http_get(port)
            assert status == 200 and took < 1, f"fresh GET /healthz: {status} after {took:.2f} s"
            worst_http = max(worst_http, took)
            time.sleep(0.5)

        # HTTP: the whole head is due 5 s after accept.
        wait_until(lambda: all_closed_by_peer(slow_http),
                   timeout=max(0.1, 5 + 5 - (time.monotonic() - opened)),
                   interval=0.2, what="every HTTP slowloris dropped")
        # Control: dropped after 60 s without a byte (the last came at DRIBBLE_S).
        wait_until(lambda: all_closed_by_peer(slow_ctl),
                   timeout=60 + 15 - (time.monotonic() - opened - DRIBBLE_S),
                   interval=0.5, what="every control slowloris dropped")
        # tend closed its ends while the test still holds its own.
        faultlib.assert_fds_back(t.host_pid, fds, "slowloris clients dropped")
        ctl.answers(within=1)
        assert http_get(port)[0] == 200
        assert t.proc.poll() is None
        print(f"worst fresh status {worst_ctl * 1000:.0f} ms, GET {worst_http * 1000:.0f} ms")
    finally:
        for s in slow_ctl + slow_http:
            s.close()
        ctl.close()
