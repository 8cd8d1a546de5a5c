"""tendctl is tend under another name: the build links it beside tend, and
`cmake --install` installs both."""
import os
import shutil
import subprocess

import pytest

from conftest import TEND

BUILD_DIR = os.path.dirname(os.path.abspath(TEND))
needs_build_dir = pytest.mark.skipif(
    not os.path.exists(os.path.join(BUILD_DIR, "CMakeCache.txt")),
    reason=f"{TEND} is not in a CMake build directory")


def assert_tendctl_beside(tend_path):
    link = os.path.join(os.path.dirname(tend_path), "tendctl")
    assert os.path.islink(link), f"no tendctl link beside {tend_path}"
    assert os.readlink(link) == "tend"  # relative: the pair can be moved together
    r = subprocess.run([link, "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout.startswith("Usage: tendctl"), r.stdout + r.stderr


@needs_build_dir
def test_build_links_tendctl_beside_tend():
    assert_tendctl_beside(TEND)


@needs_build_dir
@pytest.mark.skipif(not shutil.which("cmake"), reason="no cmake")
def test_install_puts_tend_and_tendctl_in_bin(tmp_path):
    staged = tmp_path / "stage"
    r = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", "/usr/local"],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "DESTDIR": str(staged)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert_tendctl_beside(str(staged / "usr/local/bin/tend"))
