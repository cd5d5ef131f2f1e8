"""lime's ``lime.exceptions``: the error lime raises for an invalid explanation mode."""

__all__ = ["LimeError"]


class LimeError(Exception):
    """Raised where lime raises ``LimeError`` (an explanation ``mode`` other than classification or regression).

    Examples
    --------
    >>> from lime_kit.compat.explanation import Explanation
    >>> try:
    ...     Explanation(None, mode="ranking")
    ... except LimeError as error:
    ...     print(str(error).split(";")[0])
    explanation mode 'ranking' is not supported
    """
