"""What a published row holds per question, and agreement per question for the card.

Pure functions over answer values, so publishing (which streams records in batches) and
the dashboards compute the same figures. Definitions are DESIGN.md's "Aggregation".
"""

from collections import Counter
from collections.abc import Iterable, Sequence

import krippendorff
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


def krippendorff_alpha(
    units: Iterable[Sequence], domain: Sequence, level: str = "nominal"
) -> float | None:
    """Krippendorff's alpha over units (each a list of the values the annotators gave).

    `domain` lists the possible values in their order (the order matters for ordinal).
    Built from per-unit value counts, so memory grows with units × values, not with
    annotators. None when alpha is undefined (fewer than two pairable values, or a single
    value used throughout).
    """
    index = {value: i for i, value in enumerate(domain)}
    rows = []
    for values in units:
        if len(values) < 2:
            continue  # a unit with one value has nothing to pair with
        row = np.zeros(len(domain), dtype=np.int64)
        for value in values:
            if value in index:
                row[index[value]] += 1
        rows.append(row)
    if not rows:
        return None
    counts = np.vstack(rows)
    if np.count_nonzero(counts.sum(axis=0)) < 2:
        return None
    return float(
        krippendorff.alpha(
            value_counts=counts, value_domain=list(range(len(domain))), level_of_measurement=level
        )
    )
