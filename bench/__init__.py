"""Benchmarks of SPEC §10, run by `make bench` (`python -m bench.run`).

They run in-process against a PostgreSQL database of their own, filled once with
`python -m bench.seed_scale`. Each benchmark is a module of this package with a
`run(ctx: bench.common.BenchContext) -> dict`, listed in `bench.run.BENCHMARKS`;
`bench.common` has the timing, query-counting and "floor" helpers they share.
"""
