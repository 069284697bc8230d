"""What the subcommands that read specs share: the checks' options from the run's settings."""

from __future__ import annotations

from loadspec.config.settings import RunSettings
from loadspec.language import CheckOptions
from loadspec.language.names import SOURCE_CONFIG_NAMES

__all__ = ["check_options"]


def check_options(settings: RunSettings) -> CheckOptions:
    """CheckOptions from --root, --allow-path, the known run variables (declared ones too) and
    the credentials given."""
    known = settings.inputs.variables.for_checks(SOURCE_CONFIG_NAMES)
    given = settings.credentials().variables
    return CheckOptions(
        variables=known, root=settings.root, files=settings.files, credentials=given
    )
