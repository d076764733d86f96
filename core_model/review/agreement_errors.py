"""The error of the review functions (one sentence for the user)."""
from ..errors import ConfigError


class AgreementError(ConfigError):
    """A bad comparison was asked for (unknown side, nothing to compare)."""
