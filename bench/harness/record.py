"""What a figure measured for one contestant: samples per metric, or n/a and why."""

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    better: str = "lower"  # "lower", "higher", or "" (not a quantity: no ratio)
    digits: int = 1


class Record:
    def __init__(self, metrics):
        self.specs = {m.key: m for m in metrics}
        self.samples = {m.key: [] for m in metrics}
        self.values = {}
        self.reasons = {}
        self.notes = []
        self.seconds = 0.0

    def add(self, key, *samples):
        self.samples[key].extend(samples)

    def set(self, key, value):
        """A result that is words, not a number (e.g. 'static')."""
        self.values[key] = value

    def na(self, key, reason):
        self.reasons.setdefault(key, reason)

    def na_rest(self, reason):
        """Mark every metric that has no result yet as n/a."""
        for key in self.specs:
            if not self.samples[key] and key not in self.values:
                self.na(key, reason)

    def note(self, text):
        if text and text not in self.notes:
            self.notes.append(text)

    def median(self, key):
        s = self.samples.get(key)
        return statistics.median(s) if s else None

    def summary(self):
        """One line for the progress log."""
        parts = []
        for key in self.specs:
            if self.samples[key]:
                parts.append(f"{key}={self.median(key):.4g}")
            else:
                parts.append(f"{key}={self.values.get(key, 'n/a')}")
        return "; ".join(parts)

    def to_json(self):
        out = {"seconds": round(self.seconds, 1), "notes": self.notes, "metrics": {}}
        for key, spec in self.specs.items():
            s = self.samples[key]
            entry = {"label": spec.label, "unit": spec.unit, "better": spec.better}
            if s:
                entry.update(median=statistics.median(s), min=min(s), max=max(s),
                             n=len(s), samples=s)
            elif key in self.values:
                entry["value"] = self.values[key]
            else:
                entry["na"] = self.reasons.get(key, "not measured")
            out["metrics"][key] = entry
        return out
