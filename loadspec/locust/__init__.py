"""The Locust layer: specs as Locust users. The only layer that imports locust."""

from loadspec.locust.users import SpecUser, spec_users

__all__ = ["SpecUser", "spec_users"]
