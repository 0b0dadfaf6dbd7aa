"""A stand-in for PostgreSQL's autovacuum, for a server that runs without it.

The loop's budgets are about production, where autovacuum runs. Some development servers
(this machine's among them) run with `autovacuum = off`: there, the planner's statistics
stay as the seed left them (no slot has a holder, the partial holder indexes look empty)
and dead row versions pile up, so PostgreSQL's CPU per loop grows through a run, for every
system measured, and more for the one whose statements lean on fresh statistics.

`with AutovacuumStandIn(db_url, naptime):` does, for one database, what autovacuum's launcher
would: every `naptime` seconds it VACUUMs each table whose dead rows (or rows inserted since
the last vacuum) pass the threshold, and ANALYZEs each whose changed rows pass the analyze
threshold, with the server's settings and each table's own (migration annotation 0014's
for the slots). The naptime is shorter than autovacuum's default minute because a
benchmark's phases last 20 s and its budgets are about a campaign's steady state, not the
minute after an import: with a minute, which system ran on the seed's statistics (and
how much slower its statements were) depended on where the visits fell among the
alternating phases, not on the system. Its statements run on its own connection to that
database, so the benchmark counts their CPU as the database's, as it would count
autovacuum's workers. With the server's own autovacuum on, it does nothing.
"""

import threading

import psycopg

from bench._servers import proc_cpu

# Autovacuum's rule (PostgreSQL's autovacuum.c, relation_needs_vacanalyze): a table's own
# setting (reloptions) else the server's; reltuples is -1 until the first analyze.
_DUE = """
WITH t AS (
  SELECT s.relname, s.n_dead_tup, s.n_ins_since_vacuum, s.n_mod_since_analyze,
         greatest(c.reltuples, 0) AS tuples,
         (SELECT jsonb_object_agg(split_part(o, '=', 1), split_part(o, '=', 2))
          FROM unnest(c.reloptions) o) AS opt
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
)
SELECT relname,
  n_dead_tup > coalesce((opt ->> 'autovacuum_vacuum_threshold')::float8,
                        current_setting('autovacuum_vacuum_threshold')::float8)
    + coalesce((opt ->> 'autovacuum_vacuum_scale_factor')::float8,
               current_setting('autovacuum_vacuum_scale_factor')::float8) * tuples
  OR n_ins_since_vacuum > coalesce((opt ->> 'autovacuum_vacuum_insert_threshold')::float8,
                                   current_setting('autovacuum_vacuum_insert_threshold')::float8)
    + coalesce((opt ->> 'autovacuum_vacuum_insert_scale_factor')::float8,
               current_setting('autovacuum_vacuum_insert_scale_factor')::float8) * tuples,
  n_mod_since_analyze > coalesce((opt ->> 'autovacuum_analyze_threshold')::float8,
                                 current_setting('autovacuum_analyze_threshold')::float8)
    + coalesce((opt ->> 'autovacuum_analyze_scale_factor')::float8,
               current_setting('autovacuum_analyze_scale_factor')::float8) * tuples
FROM t
"""


class AutovacuumStandIn(threading.Thread):
    def __init__(self, db_url: str, naptime: float):
        super().__init__(daemon=True)
        self.db_url = db_url
        self.naptime = naptime
        self.stopping = threading.Event()
        self.runs: list[str] = []  # "VACUUM ANALYZE annotation_slot", ... for the report
        self.cpu_seconds = 0.0  # its backend's CPU (it is counted with the database's)

    def run(self) -> None:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
                return
            pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            while not self.stopping.wait(self.naptime):
                for table, vacuum, analyze in conn.execute(_DUE).fetchall():
                    if vacuum or analyze:
                        verb = (
                            "VACUUM ANALYZE"
                            if vacuum and analyze
                            else ("VACUUM" if vacuum else "ANALYZE")
                        )
                        conn.execute(f'{verb} "{table}"')
                        self.runs.append(f"{verb} {table}")
            self.cpu_seconds = proc_cpu(pid)

    def __enter__(self) -> "AutovacuumStandIn":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.join(timeout=120)
        if self.runs:
            print(
                f"[{self.db_url.rsplit('/', 1)[1]}] autovacuum stand-in ({self.cpu_seconds:.1f} s "
                "of PostgreSQL CPU, counted in the phases it fell in): " + ", ".join(self.runs)
            )
