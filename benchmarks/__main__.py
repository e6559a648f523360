"""Benchmarks: throughput printed as ratios against a baseline measured in the same run."""

from benchmarks.cli import main

main()
