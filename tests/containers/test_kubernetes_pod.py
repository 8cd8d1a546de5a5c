"""examples/kubernetes/pod.yaml, played by `podman play kube`: tend is the container's
entrypoint and PID 1, runs both services, serves the Pod's probes (/healthz, /readyz on
port 9001, from TEND_HTTP_LISTEN), and stopping the Pod (SIGTERM, as the kubelet does)
makes the container exit 0.

podman plays the probes its own way: it ignores readinessProbe, and turns livenessProbe
into a container healthcheck (`curl -f http://localhost:9001/healthz || exit 1`) run by
systemd timers, which this machine (no systemd) cannot create: play kube logs that and
runs the Pod anyway. So the test checks that podman took the liveness probe into the
container's config, and asks /healthz and /readyz itself, from inside the Pod's network
namespace and at the Pod's IP as a kubelet would.

The test plays a copy with the Pod renamed, the image pointed at the locally built
example image, and the ports list dropped: podman 4.3 publishes every containerPort on
the host's 0.0.0.0, which a test must not do."""

from __future__ import annotations

import re
import time

import json

from .containerlib import (EXAMPLES, LABEL, Container, container_ip, http_get,
                           netns_http_get, podman, record, unique, wait_for)


def manifest_for_test(text: str, pod: str, image: str) -> str:
    out, skipping = [], None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if skipping is not None:
            if line.strip() and indent <= skipping:
                skipping = None
            else:
                continue
        if line.strip() == "ports:":
            skipping = indent
            continue
        out.append(line)
    text = "\n".join(out) + "\n"
    text = re.sub(r"(?m)^(  name: )managed$", rf"\g<1>{pod}", text, count=1)
    text = re.sub(r"(?m)^(\s+image: ).*$", rf"\g<1>{image}", text)
    text = text.replace("  labels:\n", f'  labels:\n    {LABEL.split("=")[0]}: "1"\n', 1)
    return text


def test_pod_manifest_runs_tend_as_pid1(debian_image, tmp_path):
    original = (EXAMPLES / "kubernetes" / "pod.yaml").read_text()
    container_name = re.search(r"(?m)^    - name: (\S+)", original).group(1)
    pod = unique("pod")
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(manifest_for_test(original, pod, debian_image))
    print(manifest.read_text())
    podman("pod", "rm", "-f", pod, check=False)
    start = time.monotonic()
    podman("play", "kube", str(manifest), timeout=120)
    c = Container(["podman"], f"{pod}-{container_name}")
    try:
        wait_for(lambda: {"tend", "sshd", "apache2"} <= {p.comm for p in c.procs()}, 30,
                 interval=0.1, what="tend, sshd and apache2 in the Pod")
        record("kube: play until tend, sshd and apache2 run", time.monotonic() - start)
        ps = c.exec("ps", "-eo", "pid,ppid,comm,args").stdout
        print(ps)
        pid1 = [l.split(None, 3) for l in ps.splitlines() if l.split()[:1] == ["1"]]
        assert pid1 and pid1[0][2] == "tend", ps
        assert "--grace 20" in pid1[0][3], ps

        # The Pod's probes: podman made the livenessProbe the container's healthcheck ...
        info = c.inspect()
        hc = info["Config"].get("Healthcheck") or {}
        print(hc)
        assert "http://localhost:9001/healthz" in " ".join(hc.get("Test", [])), hc
        # ... and tend answers both probes' paths, inside the Pod and at its IP.
        pid, ip = int(info["State"]["Pid"]), container_ip(info)
        start = time.monotonic()
        ready, _ = wait_for(
            lambda: (lambda r: r if r and r[0] == 200 else None)(
                http_get(f"http://{ip}:9001/readyz")),
            30, interval=0.1, what=f"http://{ip}:9001/readyz to answer 200")
        record("kube: /readyz 200 at the Pod's IP", time.monotonic() - start)
        verdict = json.loads(ready[1])
        print(verdict)
        assert verdict["healthy"] is True, verdict
        assert {s["name"] for s in verdict["services"]} == {"sshd", "apache2"}, verdict
        live = netns_http_get(pid, "http://127.0.0.1:9001/healthz")
        assert live and live[0] == 200 and live[1].strip() == "ok", live
        assert netns_http_get(pid, "http://127.0.0.1:9001/readyz")[0] == 200
        assert http_get(f"http://{ip}:9001/healthz")[0] == 200
        start = time.monotonic()
        podman("pod", "stop", "-t", "30", pod, timeout=90)
        took = time.monotonic() - start
        record("kube: pod stop until the container exited", took)
        status = c.inspect()["State"]["ExitCode"]
        print(c.logs())
        assert status == 0, f"container exit status {status}"
        assert took < 20
    finally:
        podman("play", "kube", "--down", str(manifest), check=False, timeout=120)
        podman("pod", "rm", "-f", pod, check=False)
