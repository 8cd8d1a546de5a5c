"""Static checks of examples/: every Dockerfile adds the static tend the way tini is
added (one COPY, from the release image tend:VERSION, tend as the ENTRYPOINT, no "--" so options can follow the image name),
and the Pod manifest runs tend as its command. The Debian, scratch and Kubernetes
examples also run for real in the other tests here; the Alpine one can't be built
offline (no registry for alpine:3.20), so this is what checks it."""

from __future__ import annotations

import json
import re

import pytest

from .containerlib import EXAMPLES, REPO

DOCKERFILES = sorted(EXAMPLES.glob("*/Dockerfile"))
COPY_TEND = r"(?m)^COPY\s+--from=tend:\S+\s+/tend\s+(\S+)$"  # the one line README.md shows


def test_examples_exist():
    names = {p.parent.name for p in DOCKERFILES}
    assert {"debian", "alpine", "scratch"} <= names, names
    assert (EXAMPLES / "kubernetes" / "pod.yaml").is_file()


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_adds_tend_as_entrypoint(dockerfile):
    text = dockerfile.read_text()
    copies = re.findall(COPY_TEND, text)
    assert len(copies) == 1, f"{dockerfile}: expected one `COPY --from=tend:VERSION /tend <path>`"
    entry = re.findall(r"(?m)^ENTRYPOINT\s+(\[.*\])\s*$", text)
    assert len(entry) == 1, f"{dockerfile}: expected one exec-form ENTRYPOINT"
    argv = json.loads(entry[0])
    assert argv == [copies[0]], (
        f"{dockerfile}: ENTRYPOINT should be exactly [\"{copies[0]}\"] (no \"--\": "
        f"`run IMAGE --grace 20 CMD` must reach tend's options), got {argv}")
    cmd = re.findall(r"(?m)^CMD\s+(\[.*\])\s*$", text)
    for c in cmd:
        assert all(isinstance(a, str) and a for a in json.loads(c))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_dockerfile_has_tendctl_and_healthcheck(dockerfile):
    """tendctl is a symlink to tend (tend acts as tendctl under that name), and the
    image's HEALTHCHECK runs `tendctl health` (docs/health.md)."""
    text = dockerfile.read_text()
    tend = re.search(COPY_TEND, text).group(1)
    links = re.findall(r"(?m)^RUN .*\bln\b.*-s.*\btend\b.*tendctl", text)
    assert len(links) == 1, f"{dockerfile}: expected one RUN making the tendctl symlink"
    hc = re.findall(r"(?m)^HEALTHCHECK\s+(.*?)\s*CMD\s+(\[.*\])\s*$", text)
    assert len(hc) == 1, f"{dockerfile}: expected one exec-form HEALTHCHECK ... CMD [...]"
    options, argv = hc[0][0], json.loads(hc[0][1])
    assert argv[1:] == ["health"] and argv[0].rsplit("/", 1)[-1] == "tendctl", argv
    assert "--interval=" in options and "--timeout=" in options, options
    assert tend.startswith("/")


def test_pod_manifest_probes_tends_http_endpoint():
    text = (EXAMPLES / "kubernetes" / "pod.yaml").read_text()
    assert re.search(r'(?m)^\s+- name: TEND_HTTP_LISTEN\n\s+value: "9001"$', text), text
    assert re.search(r"(?m)^\s+- name: health\n\s+containerPort: 9001$", text), text
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        m = re.search(rf"(?m)^(\s+){probe}:\n((?:\1\s+.*\n)+)", text)
        assert m, f"no {probe} in pod.yaml"
        body = m.group(2)
        assert re.search(rf"(?m)^\s+httpGet:\n\s+path: {path}\n\s+port: 9001$", body), body
        assert re.search(r"(?m)^\s+periodSeconds: \d+$", body), body


def test_pod_manifest_runs_tend():
    text = (EXAMPLES / "kubernetes" / "pod.yaml").read_text()
    assert re.search(r'(?m)^\s+command: \["/usr/local/bin/tend"\]$', text)
    assert "/usr/sbin/sshd" in text and "/etc/init.d/apache2 start" in text
    assert re.search(r"(?m)^\s+terminationGracePeriodSeconds: \d+$", text)


def test_docs_cover_every_example():
    doc = (REPO / "docs" / "containers.md").read_text()
    for p in DOCKERFILES:
        assert f"examples/{p.parent.name}/Dockerfile" in doc, p
    assert "examples/kubernetes/pod.yaml" in doc
    assert "processes_run.csv" in doc and "docker_processes_run.sh" in doc
