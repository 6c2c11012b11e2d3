"""The model: pure functions and arrays (population, cadence, touch steps, schedule, engine).

Arrays in, arrays out: no tables, Hydra, figures or files (the import-linter contracts in
``pyproject.toml`` enforce it).
"""
