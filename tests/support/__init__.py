"""Helpers shared by the tests: problem+json assertions, leftovers, fixture paths."""
