"""Contracts: OpenAPI/Swagger lookup (`lookup`), `$ref` helpers (`refs`), schema validators
(`validators`) and response conformance (`conformance`). No HTTP library is imported here."""
