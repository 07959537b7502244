"""Benchmarks: each runnable as `python -m benchmarks.<name>`, printing its figures."""
