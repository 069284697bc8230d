"""`loadspec mock`: a stateful mock of any OpenAPI 3.0/3.1 or Swagger 2.0 contract.

with MockServer(MockConfig((Path("petstore.yaml"),))) as mock:
    mock.url   # every operation of the contract, served on loopback
"""

from __future__ import annotations

from loadspec.mock.config import MockConfig
from loadspec.mock.process import MockServer

__all__ = ["MockConfig", "MockServer"]
