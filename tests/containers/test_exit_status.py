"""tend's exit status is the container's: `run IMAGE --restart never "sh -c 'exit 7'"`
exits 7, in the Debian example image and in the scratch one, through podman and the
docker CLI (there with `docker wait`: podman 4.3's API loses the status of `run --rm`)."""

from __future__ import annotations

import time

import pytest

from .containerlib import LABEL, record, run, start_container, unique


@pytest.mark.parametrize("image_fixture", ["debian_image", "scratch_image"])
def test_podman_run_exit_7(request, image_fixture):
    image = request.getfixturevalue(image_fixture)
    name = unique(f"exit7-{image_fixture}")
    start = time.monotonic()
    proc = run(["podman", "run", "--rm", "--name", name, "--label", LABEL, image,
                "--restart", "never", "sh -c 'exit 7'"], check=False, timeout=60)
    record(f"podman run {image} --restart never \"sh -c 'exit 7'\"", time.monotonic() - start)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 7


def test_docker_run_exit_7(docker_env, debian_image):
    start = time.monotonic()
    c = start_container(["docker"], "exit7-docker", debian_image,
                        tend_args=["--restart", "never", "sh -c 'exit 7'"], env=docker_env)
    try:
        status = c.wait_exit()
        record("docker run -d + docker wait, exit 7", time.monotonic() - start)
        print(c.logs())
        assert status == 7
    finally:
        c.remove()
