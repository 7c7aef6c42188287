"""Routers of the NBI, one module per area."""
