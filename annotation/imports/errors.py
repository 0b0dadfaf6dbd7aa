"""The errors of an import, shared by the readers, the row conversion, the job and the
writer (a module of its own so that none of them imports another for them)."""


class ImportRejected(Exception):
    """The import cannot start (bad mapping, file too large, another import running…)."""


class BadRow(Exception):
    def __init__(self, row: int, reason: str):
        super().__init__(f"row {row}: {reason}")
        self.row = row
        self.reason = reason


class SourceError(Exception):
    """The source cannot be read at all (permanent)."""
