"""Typed domain model: the region (zones, links), the labour market and the solve policy."""
