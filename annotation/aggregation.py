"""What a published row holds per question, and agreement per question for the card.

Pure functions over answer values, so publishing (which streams records in batches) and
the dashboards compute the same figures. Definitions are DESIGN.md's "Aggregation".
"""

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np


def agreement_ratio(values: Sequence) -> float | None:
    """Share of responses equal to the most common value."""
    if not values:
        return None
    return Counter(values).most_common(1)[0][1] / len(values)


def rating_aggregate(values: Sequence[int | float]) -> dict:
    return {
        "avg_rating": sum(values) / len(values) if values else None,
        "num_responses": len(values),
        "agreement_ratio": agreement_ratio(values),
    }


def label_aggregate(values: Sequence[str]) -> dict:
    """Majority label, or None when the top labels tie."""
    top = Counter(values).most_common(2)
    majority = None
    if top and (len(top) == 1 or top[0][1] > top[1][1]):
        majority = top[0][0]
    return {
        "label": majority,
        "num_responses": len(values),
        "agreement_ratio": agreement_ratio(values),
    }


def multi_label_aggregate(values: Sequence[Sequence[str]], options: Sequence[str]) -> dict:
    """Votes per option, and the options chosen by at least half of the responses."""
    votes = {option: 0 for option in options}
    for chosen in values:
        for option in set(chosen):
            votes[option] = votes.get(option, 0) + 1
    half = len(values) / 2
    return {
        "votes": votes,
        "labels": [o for o, n in votes.items() if values and n >= half],
        "num_responses": len(values),
    }


def ranking_aggregate(values: Sequence[Sequence[str]], options: Sequence[str]) -> dict:
    """Mean rank per option (1 = first) and the consensus order by mean rank; ties keep
    the question's option order."""
    totals = {option: 0 for option in options}
    for order in values:
        for rank, option in enumerate(order, start=1):
            totals[option] = totals.get(option, 0) + rank
    mean_rank = {o: (t / len(values) if values else None) for o, t in totals.items()}
    position = {o: i for i, o in enumerate(options)}
    consensus = sorted(
        mean_rank, key=lambda o: (mean_rank[o] is None, mean_rank[o] or 0, position.get(o, 0))
    )
    return {
        "mean_rank": mean_rank,
        "consensus": consensus if values else [],
        "num_responses": len(values),
    }


def text_aggregate(values: Sequence[str]) -> dict:
    return {"answers": list(values), "num_responses": len(values)}


class AlphaAccumulator:
    """Krippendorff's alpha with memory flat in the number of units (records).

    Alpha depends on the units only through their coincidence matrix, a sum over units,
    and units with the same answers contribute the same term. So this counts the distinct
    answer patterns as records stream by (a few dozen for a rating question) and computes
    alpha once from the weighted coincidences (Krippendorff 2011, "Computing
    Krippendorff's alpha-reliability"). `domain` lists the possible values in their order,
    which matters for ordinal. The tests check it against the published worked examples
    and against the `krippendorff` package.
    """

    def __init__(self, domain: Sequence, level: str):
        self.domain = list(domain)
        self.index = {value: i for i, value in enumerate(self.domain)}
        self.level = level
        self.patterns: Counter = Counter()

    def add(self, values: Sequence) -> None:
        """One unit (a record): the values its annotators gave. Units with fewer than two
        known values have nothing to pair with and are ignored, as in the package."""
        known = [self.index[v] for v in values if v in self.index]
        if len(known) >= 2:
            self.patterns[tuple(sorted(known))] += 1

    def _delta(self, totals: np.ndarray) -> np.ndarray:
        size = len(self.domain)
        if self.level == "nominal":
            return 1.0 - np.eye(size)
        if self.level == "interval":
            values = np.arange(size, dtype=float)
            return (values[:, None] - values[None, :]) ** 2
        if self.level == "ordinal":
            cumulative = np.concatenate([[0.0], np.cumsum(totals)])
            delta = np.zeros((size, size))
            for c in range(size):
                for k in range(size):
                    low, high = min(c, k), max(c, k)
                    between = cumulative[high + 1] - cumulative[low]
                    delta[c, k] = (between - (totals[c] + totals[k]) / 2) ** 2
            return delta
        raise ValueError(f"Unknown level of measurement {self.level!r}")

    def alpha(self) -> float | None:
        if not self.patterns:
            return None
        size = len(self.domain)
        coincidences = np.zeros((size, size))
        for pattern, weight in self.patterns.items():
            counts = np.bincount(pattern, minlength=size).astype(float)
            pairs = np.outer(counts, counts) - np.diag(counts)
            coincidences += weight * pairs / (len(pattern) - 1)
        totals = coincidences.sum(axis=1)
        if np.count_nonzero(totals) < 2:
            return None
        n = totals.sum()
        delta = self._delta(totals)
        observed = (coincidences * delta).sum()
        expected = (np.outer(totals, totals) * delta).sum() / (n - 1)
        if expected == 0:
            return None
        return float(1 - observed / expected)


def krippendorff_alpha(
    units: Iterable[Sequence], domain: Sequence, level: str = "nominal"
) -> float | None:
    """Alpha over units (each the list of values its annotators gave); None when it is
    undefined (fewer than two pairable values, or a single value used throughout)."""
    accumulator = AlphaAccumulator(domain, level)
    for values in units:
        accumulator.add(values)
    return accumulator.alpha()
