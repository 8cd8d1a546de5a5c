"""The man pages tend(1), tendctl(1) and tend.toml(5): scripts/man makes them
from docs/ with pandoc, and each renders with groff and man without a
warning, with the sections a man page has. (pandoc, groff and man come from
scripts/test's dependencies.)"""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = {"tend.1": "tend", "tendctl.1": "tendctl", "tend.toml.5": "tend.toml"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("man")
    r = subprocess.run([os.path.join(ROOT, "scripts", "man"), str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"scripts/man failed: {r.stderr}"
    assert r.stderr == "", f"scripts/man warned: {r.stderr}"
    return out


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_renders_with_groff_without_warnings(pages, page):
    r = subprocess.run(["groff", "-t", "-man", "-Tutf8", "-ww", "-z", str(pages / page)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", f"{page}: {r.stderr[:2000]}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_reads_as_a_man_page(pages, page):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    env.pop("MAN_KEEP_FORMATTING", None)
    r = subprocess.run(["man", "--warnings", "-l", str(pages / page)], capture_output=True,
                       text=True, timeout=60, env=env)
    assert r.returncode == 0 and r.stderr == "", f"{page}: {r.stderr[:2000]}"
    text = r.stdout
    name, section = PAGES[page], page.rsplit(".", 1)[1]
    assert text.splitlines()[0].startswith(f"{name}({section})"), text.splitlines()[0]
    headings = re.findall(r"^([A-Z][A-Z ]+)$", text, re.M)
    assert headings[:2] == ["NAME", "SYNOPSIS" if section == "1" else "DESCRIPTION"], headings
    assert re.search(rf"^NAME\n +{re.escape(name)} - \S", text, re.M)
    # No table survives as a table (tbl): docs' wide tables become lists,
    # which fit 80 columns.
    assert ".TS" not in (pages / page).read_text()
    # A docs link keeps its words; the markdown does not leak through.
    assert "](" not in text and "\\|" not in text


def test_pages_are_reproducible(pages, tmp_path):
    again = tmp_path / "again"
    subprocess.run([os.path.join(ROOT, "scripts", "man"), str(again)], check=True,
                   capture_output=True, timeout=120)
    for page in PAGES:
        assert (pages / page).read_bytes() == (again / page).read_bytes(), page
        assert ROOT.encode() not in (pages / page).read_bytes()  # no source paths


def test_every_option_of_the_docs_is_in_the_pages(pages):
    """The pages follow the docs: each option tend's and tendctl's docs list
    is in its page."""
    for doc, page in (("tend.md", "tend.1"), ("tendctl.md", "tendctl.1")):
        with open(os.path.join(ROOT, "docs", doc)) as f:
            options = set(re.findall(r"^\| `(--[a-z-]+)", f.read(), re.M))
        assert options, doc
        text = (pages / page).read_text()
        missing = [o for o in options if o.replace("-", "\\-") not in text and o not in text]
        assert not missing, f"{page} lacks {missing}"
