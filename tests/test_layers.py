"""The import rules of ARCHITECTURE.md, checked on the source and in fresh processes.

`LAYERS` is the table ARCHITECTURE.md shows (a test pins the two together): which of our
layers and which third-party packages each layer's modules may import, and what importing
them must never load, however indirectly.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "loadspec"
HTTP = ("requests", "urllib3", "httpx", "geventhttpclient", "aiohttp")
HEAVY = ("locust", "schemathesis", "gevent")


@dataclass(frozen=True)
class Layer:
    """One row of the table: a layer's modules, what they may import, what they never load."""

    name: str
    modules: tuple[str, ...]
    ours: tuple[str, ...] = ()
    third_party: tuple[str, ...] = ()
    never: tuple[str, ...] = ()


LAYERS = (
    Layer(
        "core",
        (
            "loadspec",
            "loadspec._lazy",
            "loadspec.errors",
            "loadspec.files",
            "loadspec.rows",
            "loadspec.security",
        ),
        never=(*HTTP, *HEAVY, "yaml"),
    ),
    Layer(
        "model",
        ("loadspec.language.model", "loadspec.language.sourcemap"),
        ours=("core",),
        never=(*HTTP, *HEAVY, "yaml", "frontmatter", "jsonpath_ng"),
    ),
    Layer(
        "templating",
        ("loadspec.templating",),
        ours=("core",),
        third_party=("jsonpath_ng",),
        never=(*HTTP, *HEAVY, "yaml"),
    ),
    Layer(
        "contract",
        ("loadspec.contract",),
        ours=("core",),
        third_party=("yaml", "jsonschema", "jsonschema_rs", "referencing", "orjson"),
        never=(*HTTP, *HEAVY),
    ),
    Layer(
        "spec loading",
        ("loadspec.language",),
        ours=("core", "model", "templating", "contract", "config"),
        third_party=("yaml", "frontmatter"),
        never=(*HTTP, *HEAVY),
    ),
    Layer(
        "config",
        (
            "loadspec.config",
            "loadspec.config.table",
            "loadspec.config.units",
            "loadspec.config.options",
            "loadspec.config.stub_options",
            "loadspec.config.register",
            "loadspec.config.project",
            "loadspec.config.docs",
        ),
        # Parsers of higher layers are named, not imported (`units.later`): never loaded here.
        ours=("core", "signing", "model", "spec loading", "contract", "inputs", "verdicts"),
        never=(*HTTP, *HEAVY, "yaml", "jwt", "loadspec.language", "loadspec.stub"),
    ),
    Layer(
        "run settings",
        ("loadspec.config.settings", "loadspec.config.load"),
        ours=("core", "config", "model", "spec loading", "contract", "inputs", "signing"),
        third_party=(),
        never=(*HTTP, *HEAVY),
    ),
    Layer(
        "inputs",
        ("loadspec.inputs",),
        ours=("core", "model", "config"),
        never=(*HTTP, *HEAVY, "yaml"),
    ),
    Layer("reports", ("loadspec.reports",), never=(*HTTP, *HEAVY, "yaml", "loadspec.language")),
    Layer(
        "verdicts",
        ("loadspec.verdicts",),
        ours=("core", "reports"),
        never=(*HTTP, *HEAVY, "yaml", "flask", "loadspec.language"),
    ),
    Layer(
        "runtime",
        ("loadspec.runtime",),
        ours=("core", "model", "templating", "inputs"),
        never=(*HTTP, *HEAVY, "yaml", "frontmatter"),
    ),
    Layer(
        "signing",
        (
            "loadspec.webhooks",
            "loadspec.webhooks.defaults",
            "loadspec.webhooks.limits",
            "loadspec.webhooks.signing",
        ),
        ours=("core",),
        third_party=("jwt",),
        never=(*HTTP, *HEAVY, "loadspec.stub", "loadspec.language"),
    ),
    Layer(
        "webhooks",
        ("loadspec.webhooks.box", "loadspec.webhooks.guard", "loadspec.webhooks.listener"),
        ours=("core", "signing"),
        third_party=("gevent",),
        never=(*HTTP, "locust", "schemathesis", "loadspec.stub", "loadspec.language"),
    ),
    Layer(
        "stub launcher",
        (
            "loadspec.stub",
            "loadspec.stub.config",
            "loadspec.stub.options",
            "loadspec.stub.process",
            "loadspec.stub.served",
        ),
        ours=("core", "signing", "config"),
        never=(
            *HTTP,
            *HEAVY,
            "jwt",
            "yaml",
            "jsonpath_ng",
            "loadspec.language",
            "loadspec.runtime",
        ),
    ),
    Layer(
        "stub gateway",
        ("loadspec.stub.gateway",),
        ours=("core", "stub launcher", "signing", "inputs"),
        third_party=("orjson", "httptools"),
        never=(*HTTP, *HEAVY, "yaml", "loadspec.language", "loadspec.runtime"),
    ),
    Layer(
        "stub server",
        ("loadspec.stub.server", "loadspec.stub.__main__", "loadspec.stub.listen"),
        ours=("core", "stub launcher", "stub gateway", "signing", "config", "inputs"),
        third_party=("uvloop", "httptools", "uvicorn"),
        never=(*HTTP, *HEAVY, "yaml", "loadspec.language", "loadspec.runtime"),
    ),
    Layer(
        "mock launcher",
        ("loadspec.mock", "loadspec.mock.config", "loadspec.mock.options", "loadspec.mock.process"),
        ours=("core", "signing", "config", "stub launcher"),
        never=(
            *HTTP,
            *HEAVY,
            "jwt",
            "yaml",
            "jsonschema",
            "loadspec.language",
            "loadspec.runtime",
            "loadspec.contract",
        ),
    ),
    Layer(
        "mock app",
        (
            "loadspec.mock.answers",
            "loadspec.mock.app",
            "loadspec.mock.callbacks",
            "loadspec.mock.checks",
            "loadspec.mock.generate",
            "loadspec.mock.operations",
            "loadspec.mock.routes",
            "loadspec.mock.store",
        ),
        ours=("core", "contract", "mock launcher", "stub launcher", "stub gateway", "signing"),
        third_party=("orjson",),
        never=(*HTTP, *HEAVY, "loadspec.language", "loadspec.runtime"),
    ),
    Layer(
        "mock choice",
        ("loadspec.mock.embedded",),
        ours=("core", "model", "contract", "stub launcher", "mock launcher"),
        never=(*HTTP, *HEAVY, "yaml", "jsonschema", "orjson", "loadspec.runtime"),
    ),
    Layer(
        "mock server",
        ("loadspec.mock.serve", "loadspec.mock.__main__"),
        ours=("core", "config", "mock launcher", "mock app", "stub launcher", "stub server"),
        never=(*HTTP, *HEAVY, "loadspec.language", "loadspec.runtime"),
    ),
    Layer(
        "locust",
        ("loadspec.locust",),
        ours=(
            "core",
            "model",
            "spec loading",
            "templating",
            "contract",
            "inputs",
            "reports",
            "verdicts",
            "runtime",
            "signing",
            "webhooks",
            "stub launcher",
            "mock launcher",
            "mock choice",
            "config",
            "run settings",
        ),
        third_party=("locust", "gevent", "geventhttpclient", "flask", "brotli"),
        never=("schemathesis",),
    ),
    Layer(
        "fuzz",
        ("loadspec.fuzz",),
        ours=(
            "core",
            "model",
            "spec loading",
            "templating",
            "contract",
            "inputs",
            "reports",
            "config",
        ),
        third_party=("schemathesis",),
        never=("locust", "gevent"),
    ),
    Layer(
        "check",
        (
            "loadspec.check",
            "loadspec.check.outcome",
            "loadspec.check.plan",
            "loadspec.check.report",
        ),
        ours=("core", "model", "spec loading", "contract", "reports", "runtime"),
        never=(*HTTP, *HEAVY, "flask"),
    ),
    Layer(
        "check runner",
        ("loadspec.check.run",),
        ours=(
            "core",
            "model",
            "spec loading",
            "contract",
            "inputs",
            "runtime",
            "locust",
            "check",
            "run settings",
            "signing",
            "webhooks",
            "stub launcher",
            "mock choice",
        ),
        third_party=("locust", "gevent"),
        never=("schemathesis",),
    ),
    Layer(
        "pytest plugin",
        ("loadspec.check.pytest_plugin",),
        third_party=("pytest",),
        never=(*HTTP, *HEAVY, "yaml", "loadspec.language"),
    ),
    Layer(
        "cli",
        ("loadspec.cli", "loadspec.__main__"),
        ours=(
            "core",
            "model",
            "spec loading",
            "contract",
            "inputs",
            "reports",
            "fuzz",
            "check",
            "check runner",
            "runtime",
            "stub launcher",
            "stub server",
            "mock launcher",
            "mock choice",
            "mock server",
            "config",
            "run settings",
        ),
        never=(*HTTP, *HEAVY),
    ),
)
SCHEMATHESIS_MODULES = ("loadspec.fuzz.engine", "loadspec.fuzz.collect")


def _module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if not (path.parent / "__init__.py").is_file():
            continue  # a locustfile the package ships: a script, checked with the locustfiles
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def layer_of(module: str) -> Layer:
    """The layer whose module entry is the longest prefix of `module` (exact names first)."""
    best: tuple[int, Layer] | None = None
    for layer in LAYERS:
        for entry in layer.modules:
            if module == entry or module.startswith(entry + "."):
                exact = module == entry
                score = len(entry) + (1000 if exact else 0)
                if best is None or score > best[0]:
                    best = (score, layer)
    assert best is not None, f"{module} belongs to no layer of ARCHITECTURE.md"
    return best[1]


def _imports(path: Path) -> set[str]:
    """Every module a file imports, lazily or not; `if TYPE_CHECKING:` blocks never run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif _named_later(node):
            # `units.later("module:name")` imports `module` when first called.
            found.add(node.args[0].value.partition(":")[0])  # type: ignore[attr-defined]
    return found


def _named_later(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and ast.unparse(node.func).split(".")[-1] == "later"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    )


def _ours(module: str, known: set[str]) -> str | None:
    """The module of ours that an imported name is (a name imported from a module is not)."""
    while module and module not in known:
        module = module.rpartition(".")[0]
    return module or None


@pytest.mark.parametrize("module", _module_names())
def test_each_module_imports_only_what_its_layer_may(module: str) -> None:
    """Source-level: imports of ours stay within the allowed layers; third party as listed."""
    layer = layer_of(module)
    known = set(_module_names())
    path = ROOT / (module.replace(".", "/"))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    wrong = []
    for name in sorted(_imports(path)):
        top = name.partition(".")[0]
        if top == "loadspec":
            target = _ours(name, known)
            assert target is not None
            allowed = layer_of(target).name in (layer.name, *layer.ours)
            if not allowed:
                wrong.append(f"{name} (layer {layer_of(target).name!r})")
        elif top not in sys.stdlib_module_names and top != "__future__":
            if top not in layer.third_party:
                wrong.append(f"{name} (third party)")
            elif top == "schemathesis" and module not in SCHEMATHESIS_MODULES:
                wrong.append(f"{name} (only {', '.join(SCHEMATHESIS_MODULES)} import schemathesis)")
    assert not wrong, f"{module} (layer {layer.name!r}) may not import: {', '.join(wrong)}"


def _loaded_after_importing(modules: list[str], code: str = "") -> dict[str, object]:
    script = (
        "import json, sys\n"
        "order = []\n"
        "sys.addaudithook(lambda e, a: e == 'import' and order.append(a[0]))\n"
        f"for m in {modules!r}: __import__(m)\n"
        f"{code}\n"
        "print(json.dumps({'modules': sorted(sys.modules), 'order': order}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.name)
def test_importing_a_layer_never_loads_what_it_must_not(layer: Layer) -> None:
    """In a fresh process: a layer's modules, all imported, load none of its "never" column."""
    # A __main__ module runs its program when imported: its imports are checked on the source.
    modules = [m for m in _module_names() if layer_of(m) is layer and "__main__" not in m]
    loaded = _loaded_after_importing(modules)["modules"]
    assert isinstance(loaded, list)
    leaked = sorted(
        m for m in loaded for banned in layer.never if m == banned or m.startswith(banned + ".")
    )
    assert not leaked, f"importing the {layer.name} layer loaded {leaked[:10]}"


def test_the_model_never_loads_yaml() -> None:
    """The issue's first check: `loadspec.Spec` resolves without YAML."""
    loaded = _loaded_after_importing(["loadspec"], "import loadspec; loadspec.Spec")["modules"]
    assert isinstance(loaded, list)
    assert "yaml" not in loaded and "loadspec.language.model" in loaded


def test_nothing_loads_requests_or_urllib3_before_locust() -> None:
    """Locust patches with gevent on import; requests or urllib3 loaded before it breaks that."""
    order = _loaded_after_importing(["loadspec.locust.users"])["order"]
    assert isinstance(order, list)
    first = {name: order.index(name) for name in ("locust", "requests", "urllib3") if name in order}
    assert "locust" in first
    early = [name for name in ("requests", "urllib3") if first.get(name, 10**9) < first["locust"]]
    assert not early, f"{early} imported before locust"


def test_locustfiles_use_the_locust_layer_only() -> None:
    """A locustfile (the repository's, the one the package ships) imports `loadspec.locust`
    and nothing else of ours."""
    shipped = sorted((PACKAGE / "locust" / "locustfile").glob("*.py"))
    assert shipped
    for path in [*sorted((ROOT / "locustfiles").glob("*.py")), *shipped]:
        ours = {n for n in _imports(path) if n.startswith("loadspec")}
        assert ours <= {"loadspec.locust", "loadspec.locust.spec_users"}, (path.name, ours)


def architecture_table() -> str:
    """The table of ARCHITECTURE.md, as `LAYERS` says it ("HTTP clients" stands for `HTTP`)."""
    rows = [
        "| layer | modules | may import (ours) | third party | never loads |",
        "|---|---|---|---|---|",
    ]
    for layer in LAYERS:
        cells = (
            layer.name,
            ", ".join(f"`{m}`" for m in layer.modules),
            ", ".join(layer.ours) or "—",
            ", ".join(layer.third_party) or "stdlib only",
            _never(layer.never),
        )
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _never(names: tuple[str, ...]) -> str:
    shown = [n for n in names if n not in HTTP]
    if set(HTTP) <= set(names):
        shown.insert(0, "HTTP clients")
    return ", ".join(shown) or "—"


def test_architecture_md_shows_these_rules() -> None:
    """ARCHITECTURE.md's layer table is this file's `LAYERS`, word for word."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert architecture_table() in text, "ARCHITECTURE.md should hold:\n" + architecture_table()
