"""Where tend --version's version and commit come from (cmake/version.cmake,
run at every build): a tag vX.Y.Z on HEAD, else VERSION; git's commit, else
TEND_COMMIT, else unknown. Run here on copies of the sources, without a build."""
import os
import re
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def header(src, out, commit=""):
    subprocess.run(["cmake", f"-DSOURCE_DIR={src}", f"-DOUTPUT={out}",
                    f"-DTEMPLATE={ROOT}/cmake/tend_version.h.in", f"-DTEND_COMMIT={commit}",
                    "-P", f"{ROOT}/cmake/version.cmake"], check=True, capture_output=True)
    text = open(out).read()
    return (re.search(r'TEND_VERSION "([^"]*)"', text).group(1),
            re.search(r'TEND_COMMIT "([^"]*)"', text).group(1))


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_tarball_without_git_says_unknown_unless_told(tmp_path):
    src = tmp_path / "tend-0.9.0"
    src.mkdir()
    (src / "VERSION").write_text("0.9.0\n")
    assert header(src, tmp_path / "h1") == ("0.9.0", "unknown")
    assert header(src, tmp_path / "h2", commit="1a2b3c4") == ("0.9.0", "1a2b3c4")


def test_tarball_inside_another_checkout_does_not_take_its_commit(tmp_path):
    outer = tmp_path / "packaging"
    outer.mkdir()
    git(outer, "init", "-q")
    git(outer, "commit", "-q", "--allow-empty", "-m", "x")
    src = outer / "tend-0.9.0"
    src.mkdir()
    (src / "VERSION").write_text("0.9.0\n")
    assert header(src, tmp_path / "h") == ("0.9.0", "unknown")


def test_tag_on_head_wins_and_a_new_commit_is_seen(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(os.path.join(ROOT, "VERSION"), repo / "VERSION")
    git(repo, "init", "-q")
    git(repo, "add", "VERSION")
    git(repo, "commit", "-q", "-m", "one")
    first = git(repo, "rev-parse", "--short=7", "HEAD")
    version = open(os.path.join(ROOT, "VERSION")).read().strip()
    assert header(repo, tmp_path / "h") == (version, first)
    git(repo, "tag", "v1.2.3")
    assert header(repo, tmp_path / "h") == ("1.2.3", first)
    git(repo, "commit", "-q", "--allow-empty", "-m", "two")  # the tag is no longer on HEAD
    second = git(repo, "rev-parse", "--short=7", "HEAD")
    assert header(repo, tmp_path / "h") == (version, second)
    assert header(repo, tmp_path / "h", commit="abcdef0") == (version, "abcdef0")


def test_a_value_that_cannot_be_a_c_string_is_refused(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "VERSION").write_text("0.9.0\n")
    r = subprocess.run(["cmake", f"-DSOURCE_DIR={src}", f"-DOUTPUT={tmp_path}/h",
                        f"-DTEMPLATE={ROOT}/cmake/tend_version.h.in", '-DTEND_COMMIT=a"b',
                        "-P", f"{ROOT}/cmake/version.cmake"], capture_output=True, text=True)
    assert r.returncode != 0 and "may hold only letters" in r.stderr
