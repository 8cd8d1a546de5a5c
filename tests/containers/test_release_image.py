"""What a release ships, in real containers: the root Dockerfile builds tend from source
into an image FROM scratch holding only /tend; the examples take tend from the release
image with one line, `COPY --from=tend:VERSION /tend ...`; the .deb (scripts/release)
installs on a bare Debian, with tendctl and the man page.

The Dockerfile's build stage and the man-db install reach the machine's Debian mirror
(apt-get in the container); everything else is offline."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import time

from .containerlib import (EXAMPLES, LABEL, REPO, podman, record, release_version, run)

VERSION = release_version()


def test_examples_take_tend_from_the_release_image():
    for example in ("debian", "alpine", "scratch"):
        text = (EXAMPLES / example / "Dockerfile").read_text()
        assert re.search(rf"(?m)^COPY --from=tend:{re.escape(VERSION)} /tend /", text), (
            f"examples/{example}/Dockerfile does not copy tend from tend:{VERSION} "
            "(VERSION was bumped? update the examples' COPY --from lines)")


def image_files(image: str) -> list[tarfile.TarInfo]:
    """The regular files and links of an image's filesystem (podman export)."""
    ctr = podman("create", "--label", LABEL, image).stdout.strip()
    try:
        data = subprocess.run(["podman", "export", ctr], capture_output=True, check=True,
                              timeout=120).stdout
    finally:
        podman("rm", "-f", ctr, check=False)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [m for m in tar.getmembers() if not m.isdir()]


def test_root_dockerfile_builds_an_image_of_only_tend(base_image):
    commit = run(["git", "-C", str(REPO), "rev-parse", "--short=7", "HEAD"]).stdout.strip()
    tag = f"localhost/tend-dockerfile-test:{VERSION}"
    start = time.monotonic()
    # Not --network none: the build stage apt-get installs the compilers.
    proc = podman("build", "--layers", "--label", LABEL, "-t", tag,
                  "--build-arg", f"BASE={base_image}", "--build-arg", f"TEND_COMMIT={commit}",
                  str(REPO), check=False, timeout=1800)
    assert proc.returncode == 0, f"podman build . failed:\n{proc.stdout}\n{proc.stderr}"
    record(f"podman build of the root Dockerfile ({tag})", time.monotonic() - start)

    files = image_files(tag)
    # podman export adds what every container gets (/etc/hosts, /etc/resolv.conf ...),
    # empty files; the image itself brings one file.
    nonempty = [m.name.lstrip("./") for m in files if m.size > 0 or m.issym()]
    assert nonempty == ["tend"], [m.name for m in files]
    version = podman("run", "--rm", "--label", LABEL, tag, "--version").stdout
    assert VERSION in version and commit in version and "x86_64" in version, version
    podman("rmi", tag, check=False)


def test_deb_installs_on_bare_debian_with_man_page(base_image, tend_bin, tmp_path):
    dist = tmp_path / "dist"
    run([str(REPO / "scripts" / "release"), "--arch", "x86_64", "--bin", str(tend_bin),
         "--no-image", "--out", str(dist)], timeout=600)
    deb = dist / f"tend_{VERSION}_amd64.deb"
    info = run(["dpkg-deb", "--field", str(deb)]).stdout
    assert "Architecture: amd64" in info and f"Version: {VERSION}" in info, info
    listing = run(["dpkg-deb", "--contents", str(deb)]).stdout
    for path in ("./usr/bin/tend", "./usr/bin/tendctl -> tend",
                 "./usr/share/man/man1/tend.1.gz", "./usr/share/man/man1/tendctl.1.gz",
                 "./usr/share/man/man5/tend.toml.5.gz", "./usr/share/doc/tend/copyright",
                 "./usr/share/bash-completion/completions/tendctl"):
        assert path in listing, f"{path} not in the .deb:\n{listing}"
    sums = (dist / "SHA256SUMS").read_text()
    assert deb.name in sums and f"tend-{VERSION}-x86_64.tar.gz" in sums, sums

    # A bare Debian (debootstrap minbase, no man-db): dpkg -i, then man-db from the
    # mirror for `man tend`.
    script = ("set -e; dpkg -i /dist/" + deb.name + "; tend --version; tendctl --help | head -n1; "
              "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
              "--no-install-recommends man-db >/dev/null; "
              "MANWIDTH=80 man tend | head -n 8")
    start = time.monotonic()
    proc = podman("run", "--rm", "--label", LABEL, "-v", f"{dist}:/dist:ro", base_image,
                  "sh", "-c", script, check=False, timeout=600)
    record("dpkg -i and man-db in a bare Debian container", time.monotonic() - start)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert f"tend {VERSION}" in out and "Usage: tendctl" in out, out
    assert re.search(r"(?m)^NAME\s*$", out) and "tend - a container init" in out, out
