import math
import random

import krippendorff
import numpy as np
import pytest

from annotation.aggregation import (
    AlphaAccumulator,
    krippendorff_alpha,
    label_aggregate,
    multi_label_aggregate,
    ranking_aggregate,
    rating_aggregate,
)

NA = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the worked example
# with four observers, twelve units and missing values; published: nominal .743,
# ordinal .815, interval .849.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]
# Wikipedia's example (three coders, fifteen units): nominal 0.691, interval 0.811.
WIKIPEDIA = [
    [NA, NA, NA, NA, NA, 3, 4, 1, 2, 1, 1, 3, 3, NA, 3],
    [1, NA, 2, 1, 3, 3, 4, 3, NA, NA, NA, NA, NA, NA, NA],
    [NA, NA, 2, 1, 3, 4, 4, NA, 2, 1, 1, 3, 3, NA, 4],
]


def units_of(matrix):
    """Coders × units with gaps → per unit, the values given."""
    return [[row[u] for row in matrix if row[u] is not None] for u in range(len(matrix[0]))]


@pytest.mark.parametrize(
    ("matrix", "level", "published"),
    [
        (KRIPPENDORFF_2011, "nominal", 0.743),
        (KRIPPENDORFF_2011, "ordinal", 0.815),
        (KRIPPENDORFF_2011, "interval", 0.849),
        (WIKIPEDIA, "nominal", 0.691),
    ],
)
def test_alpha_matches_published_worked_examples(matrix, level, published):
    domain = [1, 2, 3, 4, 5]
    assert krippendorff_alpha(units_of(matrix), domain, level) == pytest.approx(published, abs=5e-4)


@pytest.mark.parametrize(
    ("level", "domain"), [("ordinal", [1, 2, 3, 4, 5]), ("nominal", ["a", "b", "c"])]
)
def test_alpha_equals_the_krippendorff_package_on_random_data(level, domain):
    """The streaming computation against an independent implementation (the package)."""
    rng = random.Random(7)
    units = [[rng.choice(domain) for _ in range(rng.choice([1, 2, 2, 3, 4]))] for _ in range(500)]
    counts = np.array([[unit.count(v) for v in domain] for unit in units if len(unit) >= 2])
    expected = krippendorff.alpha(
        value_counts=counts, value_domain=list(range(len(domain))), level_of_measurement=level
    )
    assert krippendorff_alpha(units, domain, level) == pytest.approx(expected, abs=1e-9)


def test_alpha_accumulates_record_by_record():
    accumulator = AlphaAccumulator([1, 2, 3, 4, 5], "ordinal")
    for unit in units_of(KRIPPENDORFF_2011):
        accumulator.add(unit)
    assert accumulator.alpha() == pytest.approx(0.815, abs=5e-4)


def test_alpha_on_labels_uses_the_label_domain():
    units = [["yes", "yes"], ["no", "no"], ["yes", "no"]]
    alpha = krippendorff_alpha(units, ["yes", "no"], "nominal")
    assert -1 <= alpha < 1


def test_alpha_is_undefined_without_pairs_or_variation():
    assert krippendorff_alpha([[3], [4]], [1, 2, 3, 4, 5], "ordinal") is None
    assert krippendorff_alpha([[3, 3], [3, 3]], [1, 2, 3, 4, 5], "ordinal") is None


def test_rating_aggregate():
    assert rating_aggregate([4, 5, 4]) == {
        "avg_rating": pytest.approx(13 / 3),
        "num_responses": 3,
        "agreement_ratio": pytest.approx(2 / 3),
    }


def test_label_majority_and_tie():
    assert label_aggregate(["a", "b", "a"])["label"] == "a"
    tie = label_aggregate(["a", "b"])
    assert tie["label"] is None and tie["agreement_ratio"] == 0.5


def test_multi_label_options_chosen_by_at_least_half():
    result = multi_label_aggregate([["x", "y"], ["x"], ["z"], ["x", "y"]], ["x", "y", "z"])
    assert result["votes"] == {"x": 3, "y": 2, "z": 1}
    assert result["labels"] == ["x", "y"]


def test_ranking_mean_rank_and_consensus():
    result = ranking_aggregate([["a", "b", "c"], ["b", "a", "c"], ["a", "c", "b"]], ["a", "b", "c"])
    assert result["mean_rank"]["a"] == pytest.approx(4 / 3)
    assert result["consensus"] == ["a", "b", "c"]
    assert math.isclose(result["mean_rank"]["c"], 8 / 3)
