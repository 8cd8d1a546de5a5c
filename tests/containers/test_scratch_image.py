"""examples/scratch/Dockerfile: an image FROM scratch holding only tend and a static
busybox. tend runs there as PID 1 with no libc, no /etc/passwd and no shell of its own,
which proves the binary needs nothing from the image."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
import time

from .containerlib import (LABEL, elf_is_static, free_port, http_status, record, run,
                           start_container, unique, wait_for)


def test_tend_binary_is_static(tend_bin):
    assert elf_is_static(tend_bin), f"{tend_bin} has an ELF interpreter: not static"


def test_image_holds_only_tend_and_busybox(scratch_image):
    name = unique("scratch-export")
    run(["podman", "create", "--name", name, "--label", LABEL, scratch_image])
    try:
        tar_bytes = _export(name)
    finally:
        run(["podman", "rm", "-f", name], check=False)
    files, links = {}, {}
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for m in tar.getmembers():
            path = m.name.lstrip("./")
            if m.isfile():
                files[path] = m.size
            elif m.issym() or m.islnk():
                links[path] = m.linkname
    print(sorted(files.items()))
    # Empty files podman makes as mount points (/etc/hosts, /run/.containerenv ...).
    nonempty = {p for p, size in files.items() if size > 0}
    assert nonempty == {"tend", "bin/busybox", "www/index.html"}, sorted(files.items())
    # busybox's applets, and tendctl: tend under another name, for the HEALTHCHECK.
    assert links.pop("bin/tendctl", None) == "/tend", links
    assert links and all(t.endswith("busybox") for t in links.values()), links


def _export(name: str) -> bytes:
    return subprocess.run(["podman", "export", name], capture_output=True, check=True,
                          timeout=60).stdout


def test_scratch_serves_and_stops_with_status_0(engine, scratch_image):
    port = free_port()
    start = time.monotonic()
    c = start_container(["podman"], "scratch-httpd", scratch_image,
                        run_args=["-p", f"127.0.0.1:{port}:8080"])
    try:
        wait_for(lambda: http_status(port) == 200, 20, interval=0.05, what="busybox httpd")
        record("scratch: run -d until HTTP 200", time.monotonic() - start)
        ps = c.exec("ps", "-o", "pid,comm,args").stdout
        print(ps)
        pid1 = [l.split() for l in ps.splitlines() if l.split()[:1] == ["1"]]
        assert pid1 and pid1[0][1] == "tend", ps
        assert "httpd" in ps
        # The image's HEALTHCHECK command, run by hand (no systemd here for its timers).
        health = c.exec("/bin/tendctl", "health", check=False)
        print(health.stdout, health.stderr)
        assert health.returncode == 0 and health.stdout.startswith("healthy"), health
        hc = c.inspect()["Config"].get("Healthcheck") or {}
        assert hc.get("Test") == ["CMD", "/bin/tendctl", "health"], hc
        start = time.monotonic()
        c.cmd("stop", "-t", "20", c.name, timeout=60)
        took = time.monotonic() - start
        status = c.wait_exit()
        record("scratch: stop until exit", took)
        logs = c.logs()
        print(logs)
        assert status == 0
        assert took < 8
    finally:
        c.remove()


def test_scratch_restarts_killed_service(engine, scratch_image):
    port = free_port()
    c = start_container(["podman"], "scratch-restart", scratch_image,
                        run_args=["-p", f"127.0.0.1:{port}:8080"],
                        tend_args=["--restart", "always", "httpd -f -p 8080 -h /www"])
    try:
        def httpd():
            return [p for p in c.procs() if p.comm == "httpd"]

        first, _ = wait_for(httpd, 20, what="httpd")
        os.kill(first[0].pid, signal.SIGKILL)
        killed = time.monotonic()
        again, took = wait_for(lambda: [p for p in httpd() if p.pid != first[0].pid], 10,
                               what="a new httpd")
        record("scratch: httpd back after SIGKILL", took)
        wait_for(lambda: http_status(port) == 200, 10, interval=0.05, what="HTTP 200")
        record("scratch: HTTP 200 again after SIGKILL", time.monotonic() - killed)
        print(c.logs())
        assert took < 2
    finally:
        c.remove()


def test_env_vars_set_restart_and_grace(engine, scratch_image):
    """TEND_RESTART and TEND_GRACE work like --restart and --grace."""
    name = unique("scratch-env")
    proc = run(["podman", "run", "--rm", "--name", name, "--label", LABEL,
                "-e", "TEND_RESTART=never", "-e", "TEND_GRACE=2", scratch_image,
                "sh -c 'exit 3'"], check=False, timeout=60)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 3
