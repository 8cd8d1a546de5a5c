"""A TCP service for liveness tests: accepts and closes connections on PORT
until CONTROL exists; then removes CONTROL, closes its listening socket and
keeps running without answering (a hung server)."""
import os
import select
import socket
import sys
import time

port, control = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
print(f"listening on {port}", flush=True)
while True:
    if os.path.exists(control):
        os.unlink(control)
        s.close()
        print("hanging", flush=True)
        while True:
            time.sleep(1000)
    r, _, _ = select.select([s], [], [], 0.05)
    if r:
        c, _ = s.accept()
        c.close()
