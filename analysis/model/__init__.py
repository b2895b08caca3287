"""The model: pure, vectorised functions from a workload profile, a price catalog and assumptions to costs.

Only `workload.py` reads the warehouse (by SQL); everything else is numpy over its output.
"""
