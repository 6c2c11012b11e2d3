"""The reliability catalogue, one module an entry point; tests/reliability_cases.py runs it."""
