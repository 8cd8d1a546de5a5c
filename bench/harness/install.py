"""Installing the peers from Debian's packages, without starting their daemons."""

import os
import subprocess
import time

POLICY = "/usr/sbin/policy-rc.d"


def package_version(name):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def installed_size_kib(name):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Installed-Size}", name],
                         capture_output=True, text=True)
    return int(out.stdout) if out.returncode == 0 and out.stdout.strip().isdigit() else None


def _apt(args, log):
    """Run apt-get, waiting out another apt's lock for up to 10 minutes."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for _ in range(60):
        out = subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env)
        if out.returncode == 0:
            return ""
        text = out.stdout + out.stderr
        if "Could not get lock" not in text and "Unable to acquire" not in text:
            return text.strip().splitlines()[-1] if text.strip() else f"exit {out.returncode}"
        log("apt is locked by another process; waiting")
        time.sleep(10)
    return "apt stayed locked for 10 minutes"


def install(packages, log):
    """Install what is missing; return {package: reason} for those that failed."""
    missing = [p for p in packages if not package_version(p)]
    if not missing:
        return {}
    log(f"installing {' '.join(missing)}")
    # Packages' maintainer scripts must not start their daemons on this machine.
    made_policy = not os.path.exists(POLICY)
    if made_policy:
        with open(POLICY, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(POLICY, 0o755)
    try:
        error = _apt(["install", "-y", "-q", "--no-install-recommends", *missing], log)
        if error:  # the lists may be old or absent on a fresh machine
            _apt(["update", "-q"], log)
            error = _apt(["install", "-y", "-q", "--no-install-recommends", *missing], log)
    finally:
        if made_policy:
            os.remove(POLICY)
    return {p: f"apt-get install failed: {error}" for p in missing
            if error and not package_version(p)}
