"""The seed scenario with Debian's real daemons: sshd and apache2 daemonize,
nginx too; tend adopts them, brings them back, and stops them."""
import os
import signal
import time

import pytest

from conftest import install_quietly, wait_until

PACKAGES = ["apache2", "openssh-server", "nginx-light", "iproute2", "curl"]

NGINX_CONF = """pid {dir}/nginx.pid;
error_log stderr;
events {{}}
http {{
  access_log off;
  client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};
  uwsgi_temp_path {dir}; scgi_temp_path {dir};
  server {{ listen 127.0.0.1:8081; location / {{ return 200 "nginx ok\\n"; }} }}
}}
"""


@pytest.fixture(scope="module")
def installed():
    """The daemons, installed if missing (their scripts kept from starting them)."""
    install_quietly(PACKAGES)
    os.makedirs("/run/sshd", exist_ok=True)


def http_code(t, port):
    r = t.run_inside(f"curl -s -o /dev/null -m 1 -w '%{{http_code}}' http://127.0.0.1:{port}/")
    return r.stdout.strip()


def apache_master(t):
    r = t.run_inside("cat /var/run/apache2/apache2.pid 2>/dev/null")
    return r.stdout.strip()


def time_until_new_apache(t, old_master, limit=5.0):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        master = apache_master(t)
        if master and master != old_master and http_code(t, 80) == "200":
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"apache not back within {limit}s")


def test_sshd_apache_and_nginx_kept_alive(tend, installed, tmp_path):
    (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(dir=tmp_path))
    t = tend("--grace", "5", "/usr/sbin/sshd", "/etc/init.d/apache2 start",
             f"nginx -c {tmp_path}/nginx.conf", netns=True)
    for name in ("sshd", "apache2", "nginx"):
        t.err.wait_for(rf"{name}: its command left {name} \(pid", timeout=20)

    assert http_code(t, 80) == "200"
    assert http_code(t, 8081) == "200"
    banner = t.run_inside("timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22; head -c 8 <&3'")
    assert banner.stdout.startswith("SSH-2.0-"), banner

    # apache2ctl stop: the daemon exits cleanly; tend runs the init script again.
    old = apache_master(t)
    t.run_inside("apache2ctl stop")
    took = time_until_new_apache(t, old)
    print(f"apache back {took * 1000:.0f} ms after apache2ctl stop")
    assert took < 1.0

    # SIGKILL of apache2's main process: its workers are killed, apache restarted.
    wait_until(lambda: len(t.err.matching(r"apache2: its command left apache2 \(pid")) >= 2,
               what="apache adopted again")
    old = apache_master(t)
    t.run_inside(f"kill -KILL {old}")
    took = time_until_new_apache(t, old)
    print(f"apache back {took * 1000:.0f} ms after SIGKILL of its main process")
    assert took < 1.0
    t.err.wait_for(r"apache2: daemon \(pid \d+\) killed by SIGKILL after .*; killed \d+ process")
    wait_until(lambda: len(t.err.matching(r"apache2: its command left apache2 \(pid")) >= 3,
               what="apache adopted again")

    assert not t.zombies()
    assert http_code(t, 8081) == "200"  # the others were not disturbed

    start = time.monotonic()
    t.signal(signal.SIGTERM)
    assert t.wait(timeout=15) == 0
    assert time.monotonic() - start < 5
    for name in ("sshd", "apache2", "nginx"):
        t.err.wait_for(rf"{name}: daemon \(pid \d+\) .* \(stopped\)")
