"""Exact lexicographic solves of the class network: levels, maximum flows, caps, processes."""
