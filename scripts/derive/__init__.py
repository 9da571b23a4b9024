"""Derivation of Pressure's curated data tables (data/) from the shared public sources.

Python 3 standard library only. Entry point: scripts/derive_data.py.
"""
