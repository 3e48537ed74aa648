"""Adapters to external systems (one module each); main.py builds their clients and injects them."""
