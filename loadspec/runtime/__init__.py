"""The engine that runs a spec's step chain, for load and checks alike; it never sends a byte."""
