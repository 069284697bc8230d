"""Spec files written for the check tests: one step each, front matter and step given."""

from __future__ import annotations

from pathlib import Path

SPEC = """---
endpoint: "{method} {path}"
status: {status}
{front}
---

# {name}

## Test Request
```yaml
steps:
  - id: main_request
    method: {method}
    path: "{path}"
{step}
```
"""


def write_spec(
    folder: Path,
    name: str,
    *,
    method: str = "GET",
    path: str = "/items",
    status: str = "verified",
    front: str = "",
    step: str = "",
) -> Path:
    """`folder/name.md`: one Test Request step; `step` holds extra step keys, indented."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / f"{name}.md"
    text = SPEC.format(method=method, path=path, status=status, front=front, name=name, step=step)
    spec.write_text(text, encoding="utf-8")
    return spec
