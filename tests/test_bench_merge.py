"""bench/run --merge-into: figures measured again replace only themselves, are
stamped with how they were measured, and the targets follow the merged rows."""

import copy
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from harness import merge, report  # noqa: E402

RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results.json"


def startup_target(doc):
    return next(t for t in doc["targets"] if t["target"].startswith("100 services up"))


def test_merge_replaces_only_the_figures_measured_and_retargets(tmp_path):
    old = json.loads(RESULTS.read_text())
    new = copy.deepcopy(old)
    new["figures"] = [f for f in new["figures"] if f["number"] == 5]
    new.update(command="bench/run --figures 5", date="2026-12-01T00:00:00+0000")
    new["versions"]["tend"] = "abc1234"
    slow = [10_000.0, 10_001.0, 10_002.0]  # far above any start-up target
    new["figures"][0]["results"]["tend"]["metrics"]["startup_ms"]["samples"] = slow
    path = tmp_path / "results.json"
    path.write_text(json.dumps(old))

    doc = merge.merge_into(path, new, report.targets)

    assert [f["number"] for f in doc["figures"]] == [f["number"] for f in old["figures"]]
    fig5 = next(f for f in doc["figures"] if f["number"] == 5)
    assert fig5["measured"]["tend"] == "abc1234"
    before = {f["number"]: f.get("measured") for f in old["figures"]}
    assert all(f.get("measured") == before[f["number"]] for f in doc["figures"] if f["number"] != 5)
    assert fig5["measured_all"][-1]["contestants"] == sorted(new["figures"][0]["results"])
    assert startup_target(doc)["met"] is False
    assert "10001" in startup_target(doc)["tend"]
    md = report.render(doc)
    assert "figure 5 on 2026-12-01 (tend abc1234)" in md
    assert "Measured again on 2026-12-01 with tend abc1234" in md


def test_a_run_of_some_contestants_keeps_the_others_results(tmp_path):
    old = json.loads(RESULTS.read_text())
    fig3 = next(f for f in old["figures"] if f["number"] == 3)
    peers = sorted(n for n in fig3["results"] if n != "tend")
    assert peers, "results.json's figure 3 has no peer to keep"
    new = copy.deepcopy(old)
    new["figures"] = [copy.deepcopy(fig3)]
    new["figures"][0]["results"] = {"tend": fig3["results"]["tend"]}
    new.update(command="bench/run --only tend --figures 3", date="2026-12-02T00:00:00+0000")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(old))

    doc = merge.merge_into(path, new, report.targets)

    merged3 = next(f for f in doc["figures"] if f["number"] == 3)
    assert sorted(merged3["results"]) == sorted(fig3["results"])
    for n in peers:
        assert merged3["results"][n] == fig3["results"][n]
    assert merged3["measured_all"][-1]["contestants"] == ["tend"]
    assert "; tend) and merged" in report.render(doc)
