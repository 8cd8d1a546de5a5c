"""results.md (tables for people) and results.json (everything, for programs)."""

import dataclasses
import json
import os
import platform
import sys
import time

REFERENCE = "cat (reference)"


def fmt(value):
    """About three significant figures, no exponent: 0.523, 31.2, 1002; ≈0 below 0.0005;
    a count (an int) as it is."""
    if value is None:
        return "?"
    if isinstance(value, int):  # a count
        return str(value)
    size = abs(value)
    if size == 0:
        return "0"
    if size < 0.0005:
        return "≈0"
    decimals = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3
    return f"{value:.{decimals}f}"


def ratio_text(tend, peer):
    if tend is None or peer is None:
        return "–"
    if peer == 0:
        return "= 0" if tend == 0 else "∞"
    ratio = tend / peer
    if 0 < ratio < 0.01:
        return f"1/{peer / tend:.0f}"
    return f"{fmt(ratio)}×"


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return (f"Linux {platform.release()}, {os.cpu_count()} CPUs ({cpu or 'unknown'}), "
            f"{mem_kib / 1048576:.0f} GiB; shared with other work")


class Notes:
    """Numbered footnotes, one per distinct reason, naming who it applies to."""

    def __init__(self):
        self.items = {}  # reason -> [contestant, ...] in order of first use

    def ref(self, who, text):
        users = self.items.setdefault(text, [])
        if who not in users:
            users.append(who)
        return f"n/a [{list(self.items).index(text) + 1}]"

    def lines(self):
        return [f"{i}. {', '.join(who)}: {text}"
                for i, (text, who) in enumerate(self.items.items(), 1)]


def cell(entry, notes, who):
    """A metric's JSON entry as a table cell."""
    if entry is None:
        return ""
    if "median" in entry:
        med, lo, hi = (fmt(entry[k]) for k in ("median", "min", "max"))
        return med if entry["n"] == 1 or lo == hi else f"{med} ({lo}–{hi})"
    if "value" in entry:
        return str(entry["value"])
    return notes.ref(who, entry.get("na", "not measured"))


# Why a target is missed, where the cause is known (measured in the work on it:
# see the issues' closing notes). Printed under the table for missed ones only.
WHY_MISSED = {
    "static binary ≤ 1.0 MiB":
        "glibc and libstdc++ linked statically are most of it: a static C++ program that "
        "only waits is about 0.8 MiB on x86-64 before any of tend; the rest is exception "
        "tables (.eh_frame, about 140 KB: the TOML and JSON libraries throw) and libc's "
        "regex (about 70 KB, for `match` rules).",
    "RSS ≤ 2 MiB with 100 services, below every peer":
        "tend is below every peer's RSS with 100 services; over 2 MiB by its code pages, "
        "as below.",
    "RSS ≤ 1.0 MiB with 1 service":
        "a static program's resident size follows its file size (its code pages), so this "
        "follows the binary's size; see the PID 1 alone rows of figure 3 for tend without "
        "its helpers.",
    "RSS ≤ 1.25 MiB with 100 services":
        "as with one service: code pages first; what 100 services add is in figure 3 (PID "
        "1 alone, anonymous).",
    "100 services up within 50 ms":
        "each start forks tend twice (the lineage shim, then the command from the shim), "
        "and each fork copies tend's page tables; vfork-style spawning needs a shim that "
        "execs a fresh image instead of being a fork of tend.",
    "start-up cost per service flat from 100 to 1,000 services (figure 15 within 1.5× of "
    "figure 5's per service)":
        "not yet isolated; each start forks tend, whose fd table and page tables grow with "
        "the services it holds (pipes and pidfds: three or more fds per service), and the "
        "first start of a cascade takes one /proc snapshot for daemon adoption.",
    "output ≥ 0.9× cat's bytes per second, in the same run":
        "tend reads, finds every newline and writes each line behind its `name | ` prefix: "
        "two copies and a scan where cat makes one copy.",
    "tend's CPU per MB of output ≤ 1.5× cat's":
        "the same: the newline scan (memchr) and the prefixed copy are per byte; the "
        "syscalls are about as many as cat's (one read of up to 64 KiB, one write per batch).",
}


def targets(results, names, reference, startup_services=100):
    """Each of the issue's targets for tend: (target, tend's figure, met: bool or None,
    how far from it: "" or e.g. "1.46× the limit")."""
    def get(number, name, key, how="median"):
        rec = reference if name == REFERENCE else results.get(number, {}).get(name)
        if rec is None or not rec.samples.get(key):
            return None
        s = rec.samples[key]
        return {"median": rec.median(key), "max": max(s)}[how]

    def row(target, value, text, ok, limit=None, at_least=False):
        """limit: the number the value is held to, for saying by how much it is missed."""
        if value is None:
            return (target, None, None, "")
        met = ok()
        by = ""
        if not met and limit:
            factor = limit / value if at_least else value / limit
            by = f"{factor:.2f}× {'below' if at_least else 'over'} the target"
        return (target, text, met, by)

    peers = [p for p in (get(3, n, "rss_100") for n in names if n != "tend") if p is not None]
    cat = get(6, REFERENCE, "output_mb_s")
    cat_cpu = get(6, REFERENCE, "output_cpu_ms_per_mb")
    rec = results.get(8, {}).get("tend")
    term = rec.values.get("term_first", "") if rec else ""
    all_termed = bool(term) and all(a == b for a, b in (t.split("/") for t in term.split(", ")))
    v = {
        "restart": get(1, "tend", "restart_ms"),
        "daemon": get(2, "tend", "daemon_notice_ms", "max"),
        "daemon_median": get(2, "tend", "daemon_notice_ms"),
        "rss": get(3, "tend", "rss_100"),
        "rss_1": get(3, "tend", "rss_1"),
        "pid1_rss_1": get(3, "tend", "pid1_rss_1"),
        "pid1_rss_100": get(3, "tend", "pid1_rss_100"),
        "binary": get(9, "tend", "binary_mib"),
        "wakeups": get(4, "tend", "idle_wakeups", "max"),
        "startup": get(5, "tend", "startup_ms"),
        "output": get(6, "tend", "output_mb_s"),
        "output_cpu": get(6, "tend", "output_cpu_ms_per_mb"),
        "per_service": get(5, "tend", "startup_ms"),
        "scale_per_service": get(15, "tend", "scale_startup_per_service_ms"),
        "zombies": get(7, "tend", "zombies_left", "max"),
        "shutdown": get(8, "tend", "shutdown_ms"),
    }
    return [
        row("restart median ≤ 1 ms", v["restart"], f"{fmt(v['restart'])} ms",
            lambda: v["restart"] <= 1, limit=1),
        row("daemon death noticed within 10 ms (death to tend's next fork, worst kill)",
            v["daemon"], f"{fmt(v['daemon'])} ms (median {fmt(v['daemon_median'])} ms)",
            lambda: v["daemon"] <= 10),
        row("RSS ≤ 2 MiB with 100 services, below every peer", v["rss"],
            f"{fmt(v['rss'])} MiB (lowest peer {fmt(min(peers, default=None))} MiB)",
            lambda: v["rss"] <= 2 and all(v["rss"] < p for p in peers)),
        row("RSS ≤ 1.0 MiB with 1 service", v["rss_1"],
            f"{fmt(v['rss_1'])} MiB (PID 1 alone {fmt(v['pid1_rss_1'])} MiB)",
            lambda: v["rss_1"] <= 1.0, limit=1.0),
        row("RSS ≤ 1.25 MiB with 100 services", v["rss"],
            f"{fmt(v['rss'])} MiB (PID 1 alone {fmt(v['pid1_rss_100'])} MiB)",
            lambda: v["rss"] <= 1.25, limit=1.25),
        row("static binary ≤ 1.0 MiB", v["binary"], f"{fmt(v['binary'])} MiB",
            lambda: v["binary"] <= 1.0, limit=1.0),
        row("zero idle wakeups", v["wakeups"], f"{fmt(v['wakeups'])} /min (worst window)",
            lambda: v["wakeups"] == 0),
        row("100 services up within 50 ms", v["startup"], f"{fmt(v['startup'])} ms",
            lambda: v["startup"] <= 50, limit=50),
        row("output ≥ 0.9× cat's bytes per second, in the same run", v["output"],
            f"{fmt(v['output'])} MB/s (cat {fmt(cat)})",
            lambda: cat is None or v["output"] >= 0.9 * cat,
            limit=None if cat is None else 0.9 * cat, at_least=True),
        row("tend's CPU per MB of output ≤ 1.5× cat's", v["output_cpu"],
            f"{fmt(v['output_cpu'])} ms/MB (cat {fmt(cat_cpu)})",
            lambda: cat_cpu is None or v["output_cpu"] <= 1.5 * cat_cpu,
            limit=None if cat_cpu is None else 1.5 * cat_cpu),
        row("start-up cost per service flat from 100 to 1,000 services (figure 15 within "
            "1.5× of figure 5's per service)", v["scale_per_service"],
            f"{fmt(v['scale_per_service'])} ms per service ({startup_services} services: "
            f"{fmt(None if v['per_service'] is None else v['per_service'] / startup_services)})",
            lambda: v["per_service"] is None
            or v["scale_per_service"] <= 1.5 * v["per_service"] / startup_services),
        row("no zombie left", v["zombies"], f"{fmt(v['zombies'])} left",
            lambda: v["zombies"] == 0),
        row("shutdown limited by the services alone (they exit at once on SIGTERM): every "
            "service gets SIGTERM, done within 100 ms", v["shutdown"],
            f"{fmt(v['shutdown'])} ms, {term} got SIGTERM",
            lambda: all_termed and v["shutdown"] <= 100),
    ]


def build(command, mode, ctx, contestants, figures, results, reference, observed, seconds):
    """Everything measured, as one JSON-able dict: results.md is rendered from it alone."""
    names = [c.name for c in contestants]
    return {
        "command": command, "mode": mode, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(seconds), "machine": machine(),
        "versions": {c.name: c.version() or "?" for c in contestants},
        "kernel_timestamps": ctx.events.available, "events_note": ctx.events.reason,
        "events_lost": ctx.events.lost,
        "params": dataclasses.asdict(ctx.p),
        "figures": [{"number": f.number, "title": f.title, "method": f.method(ctx),
                     "metrics": [dataclasses.asdict(m) for m in f.metrics],
                     "results": {n: r.to_json() for n, r in results[f.number].items()}}
                    for f in figures],
        "reference": reference.to_json() if reference else None,
        "targets": [{"target": t, "tend": v, "met": ok, "by": by}
                    for t, v, ok, by in targets(results, names, reference,
                                                ctx.p.startup_services)],
        "setup": {c.name: " ".join((sys.modules[type(c).__module__].__doc__ or "").split())
                  for c in contestants},
        "adaptations": {c.name: [*c.adaptations, *observed.get(c.name, ())]
                        for c in contestants if c.adaptations or observed.get(c.name)},
    }


UNMEASURED = "not measured: the run predates this metric"


def render(doc, known=None):
    """results.md from the dict that build() made (or results.json holds). known:
    {figure number: (title, [metric dicts])} of the current code; a metric it has that
    the doc's figure of the same number and title lacks is shown as not measured."""
    names = list(doc["versions"])
    reference = doc.get("reference")
    notes = Notes()
    md = ["# tend benchmark results", ""]
    md.append(f"Made by `{doc['command']}` ({doc['mode']} mode) on {doc['date'][:10]} in "
              f"{doc['seconds'] / 60:.0f} min. Machine: {doc['machine']}.")
    again = [f for f in doc["figures"] if f.get("measured")]
    if again:
        md.append("Measured again since, with a newer tend, and merged in (`--merge-into`): "
                  + ", ".join(f"figure {f['number']} on {f['measured']['date'][:10]} "
                              f"(tend {f['measured']['tend']})" for f in again)
                  + "; the versions below are the full run's.")
    md.append("")
    md.append("Versions: " + ", ".join(f"{n} {v}" for n, v in doc["versions"].items()) + ".")
    md.append("")
    md.append("Each contestant runs as PID 1 of its own PID namespace "
              "(`unshare --fork --pid --mount-proc`), with the same services. Times of deaths "
              "and execs are the kernel's (proc connector, CLOCK_MONOTONIC)"
              + ("" if doc["kernel_timestamps"] else
                 f" — not on this run: {doc.get('events_note', '')}")
              + (f" ({doc['events_lost']} reads of them failed: the kernel dropped events)"
                 if doc.get("events_lost") else "")
              + ". Cells: median (min–max). How each figure was measured, and the notes, "
              "follow the tables.")
    md.append("")

    def metrics(fig):
        if "metrics" in fig:
            found = fig["metrics"]
        else:
            first = next(iter(fig["results"].values()))["metrics"]
            found = [{"key": k, **{f: e[f] for f in ("label", "unit", "better")}}
                     for k, e in first.items()]
        title, current = (known or {}).get(fig["number"], (None, ()))
        if title == fig["title"]:
            keys = {m["key"] for m in found}
            found = found + [m for m in current if m["key"] not in keys]
        return found

    def entry(fig, who, key):
        rec = reference if who == REFERENCE else fig["results"].get(who)
        if not rec:
            return None
        if key not in rec["metrics"] and who != REFERENCE:
            return {"na": UNMEASURED}
        return rec["metrics"].get(key)

    # Summary table.
    head = ["figure", "metric", *names] + ([REFERENCE] if reference else [])
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "---|" * len(head))
    for fig in doc["figures"]:
        for m in metrics(fig):
            unit = f" ({m['unit']})" if m["unit"] else ""
            row = [str(fig["number"]), m["label"] + unit]
            row += [cell(entry(fig, n, m["key"]), notes, n) for n in names]
            if reference:
                row.append(cell(entry(fig, REFERENCE, m["key"]), notes, REFERENCE))
            md.append("| " + " | ".join(row) + " |")
    md.append("")
    md += notes.lines()
    md.append("")

    # Ratios.
    peers = [n for n in names if n != "tend"] + ([REFERENCE] if reference else [])
    md.append("## tend's ratio to each")
    md.append("")
    md.append("tend's median divided by the other's (1/N: tend's is N times smaller); "
              "`better` says which way is good.")
    md.append("")
    md.append("| metric | better | " + " | ".join(f"vs {p}" for p in peers) + " |")
    md.append("|---|---|" + "---|" * len(peers))
    for fig in doc["figures"]:
        for m in metrics(fig):
            if not m["better"] or "tend" not in fig["results"]:
                continue
            t = (entry(fig, "tend", m["key"]) or {}).get("median")
            cols = []
            for p in peers:
                e = entry(fig, p, m["key"])
                cols.append(ratio_text(t, e.get("median")) if e else "")
            md.append(f"| {fig['number']}. {m['label']} | {m['better']} | "
                      + " | ".join(cols) + " |")
    md.append("")

    # Targets.
    md.append("## tend against its targets")
    md.append("")
    md.append("Reported, not asserted.")
    md.append("")
    md.append("| target | tend | verdict |")
    md.append("|---|---|---|")
    for t in doc["targets"]:
        ok = t["met"]
        verdict = "–" if ok is None else ("met" if ok else "**missed**")
        if t.get("by"):
            verdict += f" ({t['by']})"
        md.append(f"| {t['target']} | {t['tend'] or 'n/a'} | {verdict} |")
    missed = [t["target"] for t in doc["targets"] if t["met"] is False]
    md.append("")
    if missed:
        md.append("tend misses: " + "; ".join(missed) + ".")
        md.append("")
        for target in missed:
            if target in WHY_MISSED:
                md.append(f"- *{target}*: {WHY_MISSED[target]}")
        md.append("")

    # Methods and notes.
    md.append("## How each figure was measured")
    md.append("")
    for fig in doc["figures"]:
        md.append(f"### {fig['number']}. {fig['title']}")
        md.append("")
        md.append(fig["method"])
        md.append("")
        for m in fig.get("measured_all", [fig["measured"]] if fig.get("measured") else []):
            who = m.get("contestants")
            md.append(f"Measured again on {m['date'][:10]} with tend {m['tend']} by "
                      f"`{m['command']}` ({m['mode']} mode, {m['seconds'] / 60:.0f} min"
                      + (f"; {', '.join(who)}" if who else "") + ") and merged into this "
                      "run's results.")
            md.append("")
        for n in names:
            rec = fig["results"].get(n)
            if rec and rec["notes"]:
                md.append(f"- {n}: " + "; ".join(rec["notes"]))
        if fig["number"] == 6 and reference and reference["notes"]:
            md.append(f"- {REFERENCE}: " + "; ".join(reference["notes"]))
        md.append("")
    if doc.get("setup"):
        md.append("## How each contestant was set up")
        md.append("")
        md += [f"- {name}: {text}" for name, text in doc["setup"].items() if text]
        md.append("")
    if doc["adaptations"]:
        md.append("## What was adapted")
        md.append("")
        for name, lines in doc["adaptations"].items():
            md.append(f"{name}:")
            md.append("")
            md += [f"- {a}" for a in lines]
            md.append("")
    md.append("## Counts")
    md.append("")
    md.append(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in doc["params"].items()) + ".")
    md.append("")
    return "\n".join(md)


def write(out, doc):
    (out / "results.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    (out / "results.md").write_text(render(doc))


def rerender(json_path):
    """Rewrite results.md beside a results.json (after a change to this file)."""
    from .figures import all_figures
    doc = json.loads(json_path.read_text())
    known = {f.number: (f.title, [dataclasses.asdict(m) for m in f.metrics])
             for f in all_figures()}
    (json_path.parent / "results.md").write_text(render(doc, known))
