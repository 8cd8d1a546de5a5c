"""Raw HTTP clients, run inside tend's network namespace; print JSON.

  http_client.py raw PORT HEX          send the bytes, print the status code
  http_client.py slowloris PORT N      N stalled clients; time a fresh
                                       /healthz; wait until they are dropped
"""
import json
import socket
import sys
import time


def exchange(port, data, timeout=5.0):
    """(status code or the first line, whole response until EOF)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    buf = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    line = buf.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split()
    code = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else line
    return code, buf.decode(errors="replace")


def status_of(port, data, timeout=5.0):
    return exchange(port, data, timeout)[0]


mode, port = sys.argv[1], int(sys.argv[2])
if mode == "raw":
    code, response = exchange(port, bytes.fromhex(sys.argv[3]))
    print(json.dumps({"status": code, "response": response}))
elif mode == "slowloris":
    n = int(sys.argv[3])
    slow = []
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow.append(c)
    time.sleep(0.2)
    t0 = time.monotonic()
    fresh = status_of(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
    fresh_s = time.monotonic() - t0
    # Every stalled client must be dropped (EOF or reset) in time.
    t0 = time.monotonic()
    dropped = 0
    for c in slow:
        c.settimeout(max(0.1, 15 - (time.monotonic() - t0)))
        try:
            while c.recv(4096):
                pass
            dropped += 1
        except ConnectionResetError:
            dropped += 1
        except socket.timeout:
            pass
        c.close()
    dropped_s = time.monotonic() - t0
    after = status_of(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
    print(json.dumps({"fresh": fresh, "fresh_s": fresh_s, "dropped": dropped,
                      "dropped_s": dropped_s, "after": after}))
