"""Exports of a published warehouse, read through its read-only connection.

``tables`` chooses what a reporting export holds (its sheets, the --since/--until window,
one scope per VA); ``xlsx``, ``csv`` and ``parquet`` write those sheets as files;
``iceberg`` writes every published table to an Iceberg catalog. Each writes with Python
libraries from Arrow data that DuckDB hands over, never through DuckDB's own file output.
"""
