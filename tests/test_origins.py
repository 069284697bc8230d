"""Where one run's requests may go: its own hosts, and hosts --allow-host names."""

from __future__ import annotations

import pytest

from loadspec.config.units import parse_size
from loadspec.errors import ConfigError
from loadspec.inputs.targets import AllowList, Origins

RUN = Origins.of(["http://127.0.0.1:8080", "http://127.0.0.1:9090", None], AllowList())


@pytest.mark.parametrize("path", ["/x", "/x?a=b", "/x@evil/y", "/"])
def test_a_path_on_the_runs_host_goes(path: str) -> None:
    """A path with one leading slash stays on the host it is joined to."""
    assert RUN.refusal(path) is None


@pytest.mark.parametrize(
    ("path", "absolute", "message"),
    [
        ("http://127.0.0.2:8080/stolen", False, "is not a path on the run's host"),
        ("//127.0.0.2:8080/x", True, "is not a path on the run's host"),
        ("@127.0.0.2:8080/x", True, "is not a path on the run's host"),
        ("x/y", False, "is not a path on the run's host"),
        ("http://127.0.0.2:8080/stolen", True, "refused: 127.0.0.2 is not an allowed host"),
        ("http://127.0.0.1:8081/other-port", True, "127.0.0.1 is not an allowed host"),
        ("http://u:p@127.0.0.1:8080/x", True, "carries userinfo"),
        ("ftp://127.0.0.1:8080/x", True, "is not a path on the run's host"),
    ],
)
def test_anything_else_is_refused(path: str, absolute: bool, message: str) -> None:
    """Absolute, protocol-relative, userinfo: refused unless opted in and on a run's host."""
    refusal = RUN.refusal(path, absolute)
    assert refusal is not None and message in refusal


def test_an_absolute_link_goes_to_the_runs_hosts_or_an_allowed_one() -> None:
    """With absoluteUrl: the host, the fallback host, or a host an --allow-host names."""
    assert RUN.refusal("http://127.0.0.1:9090/next", True) is None
    allowed = Origins.of(["http://127.0.0.1:8080"], AllowList.of(["*.example.test"]))
    assert allowed.refusal("https://api.example.test/next", True) is None
    assert allowed.refusal("https://api.example.test/next", False) is not None


@pytest.mark.parametrize(
    ("text", "size"),
    [("1048576", 1048576), ("16MB", 16_000_000), ("16MiB", 16 * 1024**2), ("512kb", 512_000)],
)
def test_sizes(text: str, size: int) -> None:
    """Bytes, with decimal or binary units."""
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "lots", "0", "-1MB", "1TB"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_size(text)
