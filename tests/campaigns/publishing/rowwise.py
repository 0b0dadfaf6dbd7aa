"""The row-wise batch writer of 07583b0 (one Python pass per record and question), kept as
the reference the column-wise one (campaigns/publishing/batch_table.py) is checked against
(test_batch_table.py) and measured against (bench/publish.py --compare). Same signature as
`batch_table`; not used by the application."""

from __future__ import annotations

import pyarrow as pa

from annotation import aggregation
from campaigns.publishing.suggestion_columns import suggestion_cells


def _aggregate(spec, answers: list[tuple[str, object]], out: dict, totals) -> None:
    n = spec.name
    values = [v for _, v in answers]
    totals.responses += len(values)
    if spec.kind == "rating":
        values = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        agg = aggregation.rating_aggregate(values)
        out[f"{n}_responses"].append([{"annotator": a, "value": v} for a, v in answers])
        out[f"{n}_avg_rating"].append(agg["avg_rating"])
        out[f"{n}_num_responses"].append(agg["num_responses"])
        out[f"{n}_agreement_ratio"].append(agg["agreement_ratio"])
    elif spec.kind == "label":
        values = [str(v) for v in values]
        agg = aggregation.label_aggregate(values)
        out[f"{n}_responses"].append([{"annotator": a, "value": str(v)} for a, v in answers])
        out[f"{n}_label"].append(agg["label"])
        out[f"{n}_num_responses"].append(agg["num_responses"])
        out[f"{n}_agreement_ratio"].append(agg["agreement_ratio"])
    elif spec.kind == "multi_label":
        values = [[str(x) for x in v] for v in values]
        agg = aggregation.multi_label_aggregate(values, spec.labels)
        out[f"{n}_responses"].append(
            [{"annotator": a, "value": [str(x) for x in v]} for a, v in answers]
        )
        out[f"{n}_votes"].append({o: agg["votes"].get(o, 0) for o in spec.labels} or None)
        out[f"{n}_labels"].append(agg["labels"])
        out[f"{n}_num_responses"].append(agg["num_responses"])
    elif spec.kind == "ranking":
        values = [[str(x) for x in v] for v in values]
        agg = aggregation.ranking_aggregate(values, spec.labels)
        out[f"{n}_responses"].append(
            [{"annotator": a, "value": [str(x) for x in v]} for a, v in answers]
        )
        out[f"{n}_mean_rank"].append(
            {o: agg["mean_rank"].get(o) for o in spec.labels} if values and spec.labels else None
        )
        out[f"{n}_consensus"].append(agg["consensus"])
        out[f"{n}_num_responses"].append(agg["num_responses"])
    else:
        values = [str(v) for v in values]
        agg = aggregation.text_aggregate(values)
        out[f"{n}_responses"].append([{"annotator": a, "value": str(v)} for a, v in answers])
        out[f"{n}_answers"].append(agg["answers"])
        out[f"{n}_num_responses"].append(agg["num_responses"])
    ratio = agg.get("agreement_ratio")
    if ratio is not None:
        totals.agreement_sum += ratio
        totals.agreement_n += 1
    if totals.agreement is not None and len(values) >= 2:
        totals.agreement.add(values)


def batch_table_rowwise(batch, *, fields, specs, totals, names, summary, schema) -> pa.Table:
    per_record = summary.responses_per_record
    empty = (None, "", [])
    out: dict[str, list] = {name: [] for name in schema.names}
    ids, statuses, counts = out["id"], out["status"], out["num_responses"]
    field_columns = [out[name] for name in fields]
    metadata = out["metadata"]
    for row in batch:
        complete = row.count >= row.overlap
        ids.append(row.external_id)
        for column, value in zip(field_columns, row.fields, strict=True):
            column.append(value)
        metadata.append(row.metadata)
        statuses.append("completed" if complete else "in_progress")
        n = len(row.users)
        counts.append(n)
        who = [names[uid] for uid in row.users]
        for spec, answers, total in zip(specs, row.answers, totals, strict=True):
            given = [(a, v) for a, v in zip(who, answers, strict=True) if v not in empty]
            _aggregate(spec, given, out, total)
        kept = iter(row.kept or [])
        for spec, total in zip(specs, totals, strict=True):
            if spec.suggested:
                raw = (row.suggestions or {}).get(spec.name)
                suggestion_cells(spec, raw, next(kept, (0, 0)), out, total)
        summary.rows += 1
        summary.responses += n
        if complete:
            summary.rows_completed += 1
        else:
            summary.rows_in_progress += 1
        per_record[str(n)] = per_record.get(str(n), 0) + 1
    return pa.Table.from_pydict(out, schema=schema)
