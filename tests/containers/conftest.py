"""Fixtures for running tend inside real containers with podman (and the docker CLI).

Everything here runs as root against the machine's podman: runtime runc, cgroup manager
cgroupfs, events logger file, ulimits no higher than the machine's hard limits (see
containers_conf()). Images are built offline: the Debian base comes from debootstrap
(build_base.sh) and is cached by name; the example images are rebuilt on top of it each
run, which takes seconds because podman caches their layers.

Where podman cannot run at all, every test here is skipped with the reason; a missing
tend binary skips the tests that need it, also with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from .containerlib import (EXAMPLES, HERE, REPO, TIMINGS, base_image_name, build_image,
                           containers_conf, podman, record, release_version,
                           remove_leftovers, run, smoke_test, static_busybox, wait_for)


def pytest_terminal_summary(terminalreporter):
    if not TIMINGS:
        return
    terminalreporter.section("container test timings")
    for what, seconds in TIMINGS:
        terminalreporter.write_line(f"{seconds:8.2f} s  {what}")


@pytest.fixture(scope="session")
def engine():
    """Makes sure podman runs here; skips every container test, saying why, if not."""
    if os.geteuid() != 0:
        pytest.skip("container tests need root (rootful podman); skipped as non-root")
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (tests/containers/run.sh installs it)")
    os.environ["CONTAINERS_CONF"] = str(containers_conf())
    info = podman("info", "--format", "json", check=False, timeout=60)
    if info.returncode != 0:
        pytest.skip(f"podman cannot run here: {info.stderr.strip()[-500:]}")
    data = json.loads(info.stdout)
    smoke_test()
    runtime = data["host"]["ociRuntime"]["name"]
    print(f"podman {data['version']['Version']}, runtime {runtime}, "
          f"cgroups {data['host']['cgroupVersion']}, conf {os.environ['CONTAINERS_CONF']}")
    remove_leftovers()
    return data


@pytest.fixture(scope="session")
def tend_bin() -> Path:
    path = Path(os.environ.get("TEND_BIN", REPO / "build" / "release" / "tend"))
    if not path.is_file():
        pytest.skip(
            f"tend binary {path} is not built: run `cmake --preset release && "
            "cmake --build --preset release` (tests/containers/run.sh does)"
        )
    return path


@pytest.fixture(scope="session")
def base_image(engine) -> str:
    name = base_image_name()
    cached = podman("image", "exists", name, check=False).returncode == 0
    start = time.monotonic()
    proc = run(["bash", str(HERE / "build_base.sh"), name], check=False, timeout=900)
    print(proc.stdout, proc.stderr)
    if proc.returncode != 0:
        pytest.fail(f"building the Debian base image failed:\n{proc.stdout}\n{proc.stderr}")
    record(f"base image {name} ({'cached' if cached else 'debootstrap + import'})",
           time.monotonic() - start)
    return name


@pytest.fixture(scope="session")
def tend_image(engine, tend_bin) -> str:
    """localhost/tend:VERSION, the image the examples take tend from (`COPY
    --from=tend:VERSION`), here holding the binary under test: tend_image/Dockerfile."""
    return build_image(f"localhost/tend:{release_version()}", HERE / "tend_image",
                       {"tend": tend_bin})


@pytest.fixture(scope="session")
def debian_image(base_image, tend_image) -> str:
    """examples/debian/Dockerfile built FROM the debootstrap base: apache2, sshd, tend."""
    return build_image("localhost/tend-example-debian:test", EXAMPLES / "debian",
                       {}, [f"BASE={base_image}"])


@pytest.fixture(scope="session")
def scratch_image(tend_image) -> str:
    """examples/scratch/Dockerfile: FROM scratch with only tend and a static busybox."""
    return build_image("localhost/tend-example-scratch:test", EXAMPLES / "scratch",
                       {"busybox": static_busybox()})


@pytest.fixture(scope="session")
def docker_env(engine):
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI on this machine (the issue's machine has /usr/local/bin/docker)")
    sock_dir = Path(tempfile.mkdtemp(prefix="tend-podman-api-"))
    sock = sock_dir / "podman.sock"
    log = open(sock_dir / "service.log", "w")
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{sock}"],
        stdout=log, stderr=subprocess.STDOUT)
    env = dict(os.environ, DOCKER_HOST=f"unix://{sock}")
    try:
        def up():
            if service.poll() is not None:
                raise AssertionError(
                    f"podman system service exited {service.returncode}: "
                    f"{(sock_dir / 'service.log').read_text()}")
            return sock.exists() and run(["docker", "version"], check=False,
                                         env=env, timeout=20).returncode == 0
        _, took = wait_for(up, 30, interval=0.2, what="podman system service")
        record("podman system service up (docker CLI answers)", took)
        yield env
    finally:
        service.terminate()
        try:
            service.wait(timeout=10)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        log.close()
        shutil.rmtree(sock_dir, ignore_errors=True)
