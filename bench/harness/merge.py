"""Merging a run of some figures into an earlier full run's results.json.

A full run takes over half an hour; a change that moves a few figures is
measured again for those figures alone (`bench/run --figures 3,9 --merge-into
bench/results.json`). The merged document keeps every other figure as it was,
records on each re-measured figure when, how and against which tend it was
measured (results.md shows it under the figure's method), and recomputes the
targets from the merged figures, so a target is never judged on stale rows.
"""

import json

from .record import Metric, Record


def record_from_json(entry):
    """A Record as Record.to_json() wrote it (enough for report.targets)."""
    metrics = [Metric(k, m["label"], m["unit"], m.get("better", "lower"))
               for k, m in entry["metrics"].items()]
    rec = Record(metrics)
    rec.seconds = entry.get("seconds", 0.0)
    rec.notes = list(entry.get("notes", []))
    for key, m in entry["metrics"].items():
        if "samples" in m:
            rec.add(key, *m["samples"])
        elif "value" in m:
            rec.set(key, m["value"])
        elif "na" in m:
            rec.na(key, m["na"])
    return rec


def merge(old, new):
    """old, new: results.json documents; new measured a subset of the figures.
    Returns old with new's figures (and reference, when new measured output) in."""
    stamp = {"command": new["command"], "mode": new["mode"], "date": new["date"],
             "tend": new["versions"].get("tend", "?"), "seconds": new["seconds"]}
    figures = {f["number"]: f for f in old["figures"]}
    for fig in new["figures"]:
        before = figures.get(fig["number"], {})
        # A run of some contestants (--only) replaces theirs and keeps the others';
        # each merge that touched the figure is listed, newest last.
        results = {**before.get("results", {}), **fig["results"]}
        stamps = [*before.get("measured_all", [before["measured"]] if before.get("measured")
                              else []), dict(stamp, contestants=sorted(fig["results"]))]
        figures[fig["number"]] = dict(fig, results=results, measured=stamps[-1],
                                      measured_all=stamps)
    merged = dict(old, figures=[figures[n] for n in sorted(figures)])
    if new.get("reference"):
        merged["reference"] = new["reference"]
    merged["params"] = {**old["params"], **new["params"]}
    return merged


def retarget(doc, targets):
    """doc with its targets recomputed by report.targets from its own figures."""
    results = {f["number"]: {n: record_from_json(r) for n, r in f["results"].items()}
               for f in doc["figures"]}
    ref = doc.get("reference")
    reference = record_from_json(ref) if ref else None
    names = list(doc["versions"])
    doc["targets"] = [{"target": t, "tend": v, "met": ok, "by": by}
                      for t, v, ok, by in targets(results, names, reference)]
    return doc


def merge_into(path, new, targets):
    """Merges the run `new` into the results.json at path; returns the merged doc."""
    old = json.loads(path.read_text())
    return retarget(merge(old, new), targets)
