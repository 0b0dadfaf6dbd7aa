"""One batch of records as an Arrow table, built column by column (dataset.py): the answers
of a question are flattened across the batch once, and counts, means, modes and the
agreement patterns are computed with numpy over (record, value) arrays, instead of a Python
pass per record and question. Multi-label and ranking aggregates, and the suggestion
columns, stay per record (compound values; few campaigns have them).

The table is the same as the row-wise writer's (tests/campaigns/publishing/rowwise.py,
checked in test_batch_table.py): same columns, types, values and order."""

from __future__ import annotations

from itertools import chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from annotation import aggregation

from .suggestion_columns import suggestion_cells, suggestion_columns

EMPTY = (None, "", [])  # an answer left empty is no answer


def batch_table(batch, *, fields, specs, totals, names, summary, schema) -> pa.Table:
    """The batch's rows (BatchRow, batches.py); adds its figures to `totals` (one
    QuestionTotals per spec) and `summary` (BuildSummary). `names`: user id -> published
    annotator name."""
    n = len(batch)
    counts = np.fromiter((len(row.users) for row in batch), dtype=np.int64, count=n)
    complete = np.fromiter((row.count >= row.overlap for row in batch), dtype=bool, count=n)
    who = [names[uid] for row in batch for uid in row.users]
    record_of = np.repeat(np.arange(n), counts)
    columns: dict = {
        "id": [row.external_id for row in batch],
        "metadata": [row.metadata for row in batch],
        "status": pc.if_else(pa.array(complete), "completed", "in_progress"),
        "num_responses": counts,
    }
    for j, name in enumerate(fields):
        columns[name] = [row.fields[j] for row in batch]
    for i, (spec, total) in enumerate(zip(specs, totals, strict=True)):
        flat = list(chain.from_iterable(row.answers[i] for row in batch))
        keep = [v not in EMPTY for v in flat]
        values = [v for v, k in zip(flat, keep, strict=True) if k]
        annotators = [a for a, k in zip(who, keep, strict=True) if k]
        given = _Given(record_of[np.array(keep, dtype=bool)], values, annotators, n)
        total.responses += len(values)
        columns.update(_question_columns(spec, given, total))
    suggested = [(spec, total) for spec, total in zip(specs, totals, strict=True) if spec.suggested]
    for s, (spec, total) in enumerate(suggested):
        out = {name: [] for name, *_ in suggestion_columns(spec)}
        for row in batch:
            kept = row.kept[s] if row.kept and s < len(row.kept) else (0, 0)
            suggestion_cells(spec, (row.suggestions or {}).get(spec.name), kept, out, total)
        columns.update(out)
    _summary_add(summary, counts, complete)
    return pa.Table.from_pydict({name: columns[name] for name in schema.names}, schema=schema)


class _Given:
    """A question's given answers in a batch: `record` (the row index of each answer, in
    row then response order), the values and annotators, aligned; `offsets` delimit each
    row's answers."""

    def __init__(self, record: np.ndarray, values: list, annotators: list, rows: int):
        self.record, self.values, self.annotators, self.rows = record, values, annotators, rows
        self.counts = np.bincount(record, minlength=rows)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int32)

    def lists(self, items: pa.Array) -> pa.Array:
        return pa.ListArray.from_arrays(pa.array(self.offsets), items)

    def responses(self, value_array: pa.Array) -> pa.Array:
        pairs = pa.StructArray.from_arrays(
            [pa.array(self.annotators, pa.string()), value_array], names=["annotator", "value"]
        )
        return self.lists(pairs)

    def per_row(self, values: list):
        return (values[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True))


def _question_columns(spec, given: _Given, total) -> dict:
    n = spec.name
    if spec.kind == "rating":
        return _rating_columns(n, given, total)
    if spec.kind == "label":
        return _label_columns(n, given, total)
    if spec.kind in ("multi_label", "ranking"):
        return _compound_columns(spec, given)
    texts = [str(v) for v in given.values]
    return {
        f"{n}_responses": given.responses(pa.array(texts, pa.string())),
        f"{n}_answers": given.lists(pa.array(texts, pa.string())),
        f"{n}_num_responses": given.counts,
    }


def _rating_columns(n: str, given: _Given, total) -> dict:
    numeric = [isinstance(v, int | float) and not isinstance(v, bool) for v in given.values]
    numbers = [v for v, k in zip(given.values, numeric, strict=True) if k]
    record = given.record[np.array(numeric, dtype=bool)]
    count = np.bincount(record, minlength=given.rows)
    as_float = np.array(numbers, dtype=np.float64)
    sums = np.bincount(record, weights=as_float, minlength=given.rows)
    top, _, _ = _segment_mode(record, as_float, given.rows)
    none = count == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        avg, ratio = sums / count, top / count
    _agreement_add(total, ratio, none, numbers, record, count)
    return {
        f"{n}_responses": given.responses(pa.array(given.values, pa.int64())),
        f"{n}_avg_rating": pa.array(avg, mask=none),
        f"{n}_num_responses": count,
        f"{n}_agreement_ratio": pa.array(ratio, mask=none),
    }


def _label_columns(n: str, given: _Given, total) -> dict:
    texts = pa.array([str(v) for v in given.values], pa.string())
    encoded = texts.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    top, top_code, unique = _segment_mode(given.record, codes, given.rows)
    none = given.counts == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = top / given.counts
    label = pc.take(encoded.dictionary, pa.array(top_code, mask=none | ~unique))
    _agreement_add(total, ratio, none, texts.to_pylist(), given.record, given.counts)
    return {
        f"{n}_responses": given.responses(texts),
        f"{n}_label": label,
        f"{n}_num_responses": given.counts,
        f"{n}_agreement_ratio": pa.array(ratio, mask=none),
    }


def _compound_columns(spec, given: _Given) -> dict:
    """Multi-label and ranking: the aggregates of aggregation.py, per record."""
    n = spec.name
    chosen = [[str(x) for x in v] for v in given.values]
    columns = {
        f"{n}_responses": given.responses(pa.array(chosen, pa.list_(pa.string()))),
        f"{n}_num_responses": given.counts,
    }
    labels = spec.labels
    if spec.kind == "multi_label":
        votes, picked = [], []
        for values in given.per_row(chosen):
            agg = aggregation.multi_label_aggregate(values, labels)
            votes.append({o: agg["votes"].get(o, 0) for o in labels} or None)
            picked.append(agg["labels"])
        columns |= {f"{n}_votes": votes, f"{n}_labels": picked}
    else:
        means, consensus = [], []
        for values in given.per_row(chosen):
            agg = aggregation.ranking_aggregate(values, labels)
            means.append(
                {o: agg["mean_rank"].get(o) for o in labels} if values and labels else None
            )
            consensus.append(agg["consensus"])
        columns |= {f"{n}_mean_rank": means, f"{n}_consensus": consensus}
    return columns


def _segment_mode(record: np.ndarray, values: np.ndarray, rows: int):
    """Per row: how often its most common value occurs, that value, and whether no other
    value occurs as often (`record` gives each value's row)."""
    top = np.zeros(rows, dtype=np.int64)
    top_value = np.zeros(rows, dtype=values.dtype)
    if not len(record):
        return top, top_value, np.zeros(rows, dtype=bool)
    order = np.lexsort((values, record))
    r, v = record[order], values[order]
    starts = np.flatnonzero(np.concatenate([[True], (r[1:] != r[:-1]) | (v[1:] != v[:-1])]))
    lengths = np.diff(np.append(starts, len(r)))
    run_record, run_value = r[starts], v[starts]
    np.maximum.at(top, run_record, lengths)
    best = lengths == top[run_record]
    top_value[run_record[best]] = run_value[best]
    return top, top_value, np.bincount(run_record[best], minlength=rows) == 1


def _agreement_add(total, ratio, none, values: list, record: np.ndarray, count) -> None:
    """The card's running figures: the mean agreement ratio (summed in row order, as the
    row-wise writer did) and the answer patterns alpha is computed from (rows with at least
    two answers in the question's domain: AlphaAccumulator.add, for a whole batch)."""
    for value in ratio[~none].tolist():
        total.agreement_sum += value
    total.agreement_n += int((~none).sum())
    accumulator = total.agreement
    if accumulator is None or not len(values):
        return
    index = accumulator.index
    known_index = np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
    known = (known_index >= 0) & (count[record] >= 2)
    r, k = record[known], known_index[known]
    order = np.lexsort((k, r))
    r, k = r[order], k[order]
    per_row = np.bincount(r, minlength=len(count))
    starts = np.concatenate([[0], np.cumsum(per_row)[:-1]])
    for size in np.unique(per_row[per_row >= 2]).tolist():
        rows = np.flatnonzero(per_row == size)
        patterns = k[starts[rows][:, None] + np.arange(size)]
        unique, weights = np.unique(patterns, axis=0, return_counts=True)
        for pattern, weight in zip(unique.tolist(), weights.tolist(), strict=True):
            accumulator.patterns[tuple(pattern)] += weight


def _summary_add(summary, counts: np.ndarray, complete: np.ndarray) -> None:
    summary.rows += len(counts)
    summary.responses += int(counts.sum())
    done = int(complete.sum())
    summary.rows_completed += done
    summary.rows_in_progress += len(counts) - done
    per_record = summary.responses_per_record
    sizes, first = np.unique(counts, return_index=True)
    tally = np.bincount(counts)
    for size in sizes[np.argsort(first)].tolist():  # first seen first, as row by row
        per_record[str(size)] = per_record.get(str(size), 0) + int(tally[size])
