"""Exports (issue 15): a campaign's records with their kept responses as CSV, JSONL or
parquet, streamed. Responses are selected by the publication's own reader
(campaigns/publishing/batches.py `record_batches`), so what a publication keeps or leaves
out (drafts, rejected or blocked responses), an export keeps or leaves out too; annotators
are named by the publication's rule (campaigns/publishing/dataset.py `Annotators`)."""
