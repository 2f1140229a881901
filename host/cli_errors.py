"""How the CLI reports bad input: one clear line on stderr and exit code 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from tcphw.contract import DescriptorError

from .backends import BackendError
from .corpus import CorpusError

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """Bad input (file, option value, unavailable backend): exit code 2, like a usage error."""

    exit_code = 2


def input_errors(func: F) -> F:
    """Turn the library's input errors into one clear line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (CorpusError, DescriptorError, BackendError, ValueError, KeyError) as e:
            msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
            raise InputError(msg) from e

    return wrapper  # type: ignore[return-value]
