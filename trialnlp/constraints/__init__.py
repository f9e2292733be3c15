"""Constraint extraction: values, units and temporal windows found in criterion text."""
