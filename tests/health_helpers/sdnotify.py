"""sd_notify from a service (or an impostor).

  sdnotify.py ready TRIGGER STATUS   wait until file TRIGGER exists, then send
                                     STATUS=... and READY=1; then sleep
  sdnotify.py watchdog INTERVAL FOR  READY=1, then WATCHDOG=1 every INTERVAL s
                                     for FOR s (0: for ever); then sleep
  sdnotify.py send MESSAGE           send MESSAGE once and exit
  sdnotify.py send-stay MESSAGE      send MESSAGE once, then sleep (a sender
                                     still running when tend reads it)
"""
import os
import socket
import sys
import time


def send(msg):
    addr = os.environ["NOTIFY_SOCKET"]
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(addr)
    s.sendall(msg.encode())
    s.close()


mode = sys.argv[1]
if mode == "send":
    send(sys.argv[2])
    os._exit(0)  # gone at once, as a small C sender (systemd-notify) would be
if mode == "send-stay":
    send(sys.argv[2])
if mode == "ready":
    trigger, status = sys.argv[2], sys.argv[3]
    while not os.path.exists(trigger):
        time.sleep(0.02)
    send(f"STATUS={status}\nREADY=1\n")
    print("notified", flush=True)
elif mode == "watchdog":
    interval, duration = float(sys.argv[2]), float(sys.argv[3])
    print("usec=" + os.environ.get("WATCHDOG_USEC", "none"), flush=True)
    send("READY=1")
    end = time.monotonic() + duration
    while duration == 0 or time.monotonic() < end:
        send("WATCHDOG=1")
        time.sleep(interval)
    print("silent", flush=True)
while True:
    time.sleep(1000)
