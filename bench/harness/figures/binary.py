"""Figure 9: size of what runs, and whether it is static."""

import os
import shutil
import struct
import subprocess

from .. import install
from ..box import Failure
from ..record import Metric
from . import Figure

PT_INTERP = 3


def elf_interpreter(path):
    """The ELF's PT_INTERP (dynamic loader) or '' if static; None if not ELF."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return None
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            kind, _, offset, _, _, size = struct.unpack("<IIQQQQ", f.read(40))
            if kind == PT_INTERP:
                f.seek(offset)
                return f.read(size).rstrip(b"\0").decode()
    return ""


def shebang(path):
    with open(path, "rb") as f:
        first = f.readline(200)
    return first[2:].split()[0].decode() if first.startswith(b"#!") else None


def executables(names):
    """Resolve names to real files, following script interpreters."""
    out = []
    for name in names:
        path = shutil.which(name) or name
        if not os.path.exists(path):
            raise Failure(f"{name} not found")
        path = os.path.realpath(path)
        interp = shebang(path)
        if interp:
            out += executables([interp])
        if path not in out:
            out.append(path)
    return out


def shared_libraries(files):
    """The shared libraries the dynamic ELFs among files load (ldd), as real paths."""
    libs = set()
    for f in files:
        if not elf_interpreter(f):
            continue
        out = subprocess.run(["ldd", f], capture_output=True, text=True).stdout
        for line in out.splitlines():
            words = line.replace("=>", " ").split()
            path = next((w for w in words if w.startswith("/")), None)
            if path and os.path.exists(path):
                libs.add(os.path.realpath(path))
    return sorted(libs - set(files))


class Binary(Figure):
    title = "Binary"
    metrics = (
        Metric("binary_mib", "size of the executables that run", "MiB", digits=2),
        Metric("binary_libs_mib", "the same with their shared libraries", "MiB", digits=2),
        Metric("static", "static", "", ""),
    )

    def method(self, ctx):
        return ("Sum of the file sizes of the executables the contestant runs (script "
                "interpreters included); static means no ELF among them has a dynamic "
                "loader (PT_INTERP). With shared libraries: plus every library `ldd` lists "
                "for them (an interpreter's own modules, e.g. Python's, are not counted). "
                "Notes give the Debian packages' Installed-Size.")

    def measure(self, ctx, contestant, rec):
        files = executables(contestant.executables(ctx))
        size = sum(os.path.getsize(f) for f in files)
        rec.add("binary_mib", size / 1048576)
        libs = shared_libraries(files)
        rec.add("binary_libs_mib", (size + sum(os.path.getsize(f) for f in libs)) / 1048576)
        loaders = {elf_interpreter(f) for f in files} - {None}
        rec.set("static", "yes" if loaders == {""} else "no")
        rec.note("runs " + ", ".join(os.path.basename(f) for f in files))
        for package in contestant.packages:
            size = install.installed_size_kib(package)
            if size:
                rec.note(f"package {package}: Installed-Size {size / 1024:.1f} MiB")
