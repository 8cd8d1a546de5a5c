"""Helpers for tend's container tests: running podman and docker, reading a container's
processes from the host's /proc, polling, strace from the host. The fixtures that use
them are in conftest.py."""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLES = REPO / "examples"
STATE_DIR = Path(os.environ.get("TEND_CONTAINERS_STATE", "/var/tmp/tend-containers"))
LABEL = "tend.containers-test=1"
RUN_ID = f"{os.getpid()}"

# Measured durations, printed at the end of the run (pytest_terminal_summary in conftest.py).
TIMINGS: list[tuple[str, float]] = []


def record(what: str, seconds: float) -> None:
    TIMINGS.append((what, seconds))
    print(f"[timing] {what}: {seconds:.2f} s")


# ---------------------------------------------------------------------------------------
# Running podman and docker


def run(argv, *, check=True, timeout=120, env=None, input=None):
    """Runs a command, returning CompletedProcess with text stdout/stderr."""
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env, input=input
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, argv))} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def podman(*args, **kw):
    return run(["podman", *args], **kw)


def containers_conf() -> Path:
    """Writes the containers.conf the issue prescribes and returns its path."""
    _, nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    _, nproc_hard = resource.getrlimit(resource.RLIMIT_NPROC)
    if nofile_hard == resource.RLIM_INFINITY:
        nofile_hard = 1048576
    nproc = 32768 if nproc_hard == resource.RLIM_INFINITY else min(32768, nproc_hard)
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    conf = STATE_DIR / "containers.conf"
    conf.write_text(
        "# Written by tests/containers/conftest.py\n"
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile_hard}:{nofile_hard}", '
        f'"nproc={nproc}:{nproc}"]\n'
        "[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
    )
    return conf


def remove_leftovers() -> None:
    """Removes what earlier runs of this suite left: containers and pods of an
    interrupted run, and its images that newer builds have untagged."""
    out = podman("ps", "-a", "-q", "--filter", f"label={LABEL}", check=False).stdout
    ids = out.split()
    if ids:
        podman("rm", "-f", "-t", "0", *ids, check=False)
    pods = podman("pod", "ps", "-q", "--filter", "name=^tendtest-", check=False).stdout.split()
    if pods:
        podman("pod", "rm", "-f", *pods, check=False)
    # Images of earlier runs that newer builds have untagged (only this suite's).
    podman("image", "prune", "-f", "--filter", f"label={LABEL}", check=False)


SMOKE_IMAGE = "localhost/tend-test-smoke:busybox"


def smoke_test() -> None:
    """Runs one tiny container (a static busybox, imported from the host) so that a
    podman that installs but cannot run containers here skips the suite, saying why."""
    busybox = static_busybox()
    if podman("image", "exists", SMOKE_IMAGE, check=False).returncode != 0:
        with tempfile.TemporaryDirectory(prefix="tend-smoke-") as root:
            (Path(root) / "bin").mkdir()
            shutil.copy(busybox, Path(root) / "bin" / "busybox")
            tar = subprocess.run(["tar", "-C", root, "-c", "."], capture_output=True,
                                 check=True).stdout
            proc = subprocess.run(["podman", "import", "-q", "-", SMOKE_IMAGE], input=tar,
                                  capture_output=True, timeout=120)
            if proc.returncode != 0:
                pytest.skip(f"podman cannot import an image here: {proc.stderr[-500:]!r}")
    proc = podman("run", "--rm", "--label", LABEL, SMOKE_IMAGE, "/bin/busybox", "true",
                  check=False, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"podman cannot run a container here (runc, cgroups?): "
                    f"{proc.stderr.strip()[-800:]}")


# ---------------------------------------------------------------------------------------
# The tend binary


def elf_is_static(path: Path) -> bool:
    """True when the ELF file has no PT_INTERP, that is, needs no dynamic loader."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit only
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, = struct.unpack_from("<I", data, phoff + i * phentsize)
        if p_type == 3:  # PT_INTERP
            return False
    return True


# ---------------------------------------------------------------------------------------
# Images


def base_image_name() -> str:
    digest = hashlib.sha256((HERE / "build_base.sh").read_bytes()).hexdigest()[:12]
    return f"localhost/tend-test-base:bookworm-{digest}"


def release_version() -> str:
    """The version the release image is tagged with (tend:VERSION): the VERSION file."""
    return (REPO / "VERSION").read_text().split()[0]


def build_image(tag: str, dockerfile_dir: Path, files: dict[str, Path], build_args=()):
    """podman build of an example Dockerfile, offline, with extra files in the context."""
    with tempfile.TemporaryDirectory(prefix="tend-ctx-") as ctx:
        shutil.copy(dockerfile_dir / "Dockerfile", Path(ctx) / "Dockerfile")
        for name, src in files.items():
            shutil.copy(src, Path(ctx) / name)
            os.chmod(Path(ctx) / name, 0o755)
        # --format docker: the OCI image format has no HEALTHCHECK, and podman drops it.
        argv = ["build", "--format", "docker", "--network", "none", "--layers", "--label",
                LABEL, "-t", tag]
        for arg in build_args:
            argv += ["--build-arg", arg]
        start = time.monotonic()
        proc = podman(*argv, ctx, check=False, timeout=600)
        if proc.returncode != 0:
            pytest.fail(f"podman build of {dockerfile_dir} failed:\n{proc.stdout}\n{proc.stderr}")
        record(f"podman build {tag}", time.monotonic() - start)
    return tag


def static_busybox() -> Path:
    for cand in ("/bin/busybox", "/usr/bin/busybox"):
        p = Path(cand)
        if p.is_file() and elf_is_static(p):
            return p
    pytest.skip("no static busybox here (apt-get install busybox-static)")


# ---------------------------------------------------------------------------------------
# Containers


def unique(name: str) -> str:
    return f"tendtest-{name}-{RUN_ID}"


class Container:
    """One container started with `<cli> run -d`; removed when the test is done."""

    def __init__(self, cli: list[str], name: str, env=None):
        self.cli = cli
        self.name = name
        self.env = env

    def cmd(self, *args, **kw):
        kw.setdefault("env", self.env)
        return run([*self.cli, *args], **kw)

    def exec(self, *args, **kw):
        return self.cmd("exec", self.name, *args, **kw)

    def logs(self) -> str:
        proc = self.cmd("logs", self.name, check=False)
        return proc.stdout + proc.stderr

    def inspect(self) -> dict:
        out = self.cmd("inspect", self.name).stdout
        data = json.loads(out)
        return data[0] if isinstance(data, list) else data

    def host_pid1(self) -> int:
        return int(self.inspect()["State"]["Pid"])

    def procs(self) -> list["Proc"]:
        return container_procs(self.host_pid1())

    def wait_exit(self, timeout=60) -> int:
        """Exit status through `wait` (docker run --rm loses it with podman 4.3)."""
        out = self.cmd("wait", self.name, timeout=timeout).stdout.strip().splitlines()
        return int(out[-1])

    def remove(self):
        if self.cli[0] == "podman":
            self.cmd("rm", "-f", "-t", "0", self.name, check=False)
        else:  # docker rm has no -t; -f kills at once
            self.cmd("rm", "-f", self.name, check=False)


class Proc:
    """A process of a container seen from the host: host pid, pid inside the container,
    parent's host pid, comm, command line, and the basename of its executable (which
    tells the daemon /usr/sbin/apache2 from the init script /etc/init.d/apache2, both
    with comm "apache2")."""

    def __init__(self, pid: int, ppid: int, comm: str, args: str, ns_pid: int, exe: str):
        self.pid, self.ppid, self.comm, self.args = pid, ppid, comm, args
        self.ns_pid, self.exe = ns_pid, exe

    def __repr__(self):
        return (f"Proc(host {self.pid}, ns {self.ns_pid}, ppid {self.ppid}, {self.comm!r}, "
                f"exe {self.exe!r}, {self.args!r})")


def daemons(procs: list[Proc], host_pid1: int, names=("sshd", "apache2")) -> list[Proc]:
    """The daemons tend watches: children of tend running the named executables (sshd's
    listener, apache2's master), not init scripts or apache2ctl on their way. While a
    start command still runs, what it started is a child of tend's lineage shim for
    that start (comm tend-lineage, a child of tend), which hands it to tend when the
    command exits."""
    parents = {host_pid1} | {p.pid for p in procs
                             if p.ppid == host_pid1 and p.comm == "tend-lineage"}
    return [p for p in procs if p.ppid in parents and p.comm in names and p.exe == p.comm]


def container_procs(host_pid1: int) -> list[Proc]:
    """The container's processes, read from the host's /proc (fast: no exec inside)."""
    try:
        ns = os.readlink(f"/proc/{host_pid1}/ns/pid")
    except OSError:
        return []
    procs = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") != ns:
                continue
            status = Path(f"/proc/{entry}/status").read_text()
            args = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("State", "").startswith("Z"):
            continue
        nspid = fields.get("NSpid", entry).split()[-1]
        try:
            exe = os.path.basename(os.readlink(f"/proc/{entry}/exe"))
        except OSError:
            exe = ""
        procs.append(Proc(int(entry), int(fields["PPid"]), fields["Name"].strip(),
                          args.decode(errors="replace").strip(), int(nspid), exe))
    return procs


def wait_for(predicate, timeout: float, interval: float = 0.02, what: str = "condition"):
    """Polls predicate until it returns something truthy; returns (value, seconds)."""
    start = time.monotonic()
    while True:
        value = predicate()
        if value:
            return value, time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port: int, timeout: float = 3.0) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, urllib.error.URLError):
        return None


def ssh_banner(port: int, timeout: float = 3.0) -> str | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            return s.recv(256).decode(errors="replace").strip() or None
    except OSError:
        return None


def http_get(url: str, timeout: float = 3.0) -> tuple[int, str] | None:
    """GET url: (status, body), also for 4xx and 5xx; None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (OSError, urllib.error.URLError):
        return None


_NETNS_GET = """
import json, sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])) as r:
        print(json.dumps([r.status, r.read().decode(errors="replace")]))
except urllib.error.HTTPError as e:
    print(json.dumps([e.code, e.read().decode(errors="replace")]))
except OSError:
    print("null")
"""


def netns_http_get(host_pid: int, url: str, timeout: float = 3.0) -> tuple[int, str] | None:
    """http_get from inside the network namespace of process host_pid (a container's
    127.0.0.1), with the host's python3 under nsenter: the image needs no HTTP client."""
    proc = run(["nsenter", "-t", str(host_pid), "-n", "/usr/bin/python3", "-c", _NETNS_GET,
                url, str(timeout)], check=False, timeout=timeout + 30)
    if proc.returncode != 0:
        raise AssertionError(f"nsenter -t {host_pid} -n python3 failed: {proc.stderr}")
    value = json.loads(proc.stdout)
    return tuple(value) if value else None


def container_ip(inspect: dict) -> str:
    """The container's IPv4 address on its (first) network, from inspect."""
    settings = inspect["NetworkSettings"]
    if settings.get("IPAddress"):
        return settings["IPAddress"]
    for net in (settings.get("Networks") or {}).values():
        if net.get("IPAddress"):
            return net["IPAddress"]
    raise AssertionError(f"no IP address in {settings}")


PREFIXED = re.compile(r"^(?P<name>[A-Za-z0-9_.@+-]+) +\| ")  # names are padded to one width


class Tracer:
    """strace attached from the host to container processes, to see which signals they
    get and how they end (a process can't learn that about a non-child any other way)."""

    def __init__(self, procs: list[Proc], outdir: Path):
        self.files = {}
        self.popens = []
        for p in procs:
            out = outdir / f"strace.{p.comm}.{p.pid}"
            self.files[p] = out
            self.popens.append(subprocess.Popen(
                ["strace", "-qq", "-e", "trace=none", "-e", "signal=all",
                 "-o", str(out), "-p", str(p.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # strace has attached once the file exists and the tracee shows a TracerPid.
        for p in procs:
            wait_for(lambda p=p: is_traced(p.pid), 10, what=f"strace to attach to {p}")

    def finish(self, timeout=30) -> dict[Proc, str]:
        for popen in self.popens:
            try:
                popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                popen.terminate()
                popen.wait(timeout=5)
        return {p: f.read_text() if f.exists() else "" for p, f in self.files.items()}


def is_traced(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # already gone: nothing left to wait for
    m = re.search(r"^TracerPid:\s+(\d+)", status, re.M)
    return bool(m and m.group(1) != "0")


def start_container(cli, name, image, run_args=(), tend_args=(), env=None) -> Container:
    c = Container(cli, unique(name), env=env)
    c.remove()
    proc = run([*cli, "run", "-d", "--name", c.name, "--label", LABEL, *run_args, image,
                *tend_args], env=env, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return c


# ---------------------------------------------------------------------------------------
# The docker CLI against `podman system service`
