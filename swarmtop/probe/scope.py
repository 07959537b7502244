"""What ``task``, ``timer`` and ``tool`` share: one object that is a context manager (``with``
and ``async with``) and a decorator of sync and async functions."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


class _Scope:
    """A context manager (``with`` and ``async with``) that is also a decorator of sync and
    async functions, timing each call with a fresh instance from ``_fresh()``."""

    def __enter__(self) -> Any:
        raise NotImplementedError

    def __exit__(self, *exc: Any) -> None:
        raise NotImplementedError

    def _fresh(self) -> _Scope:
        raise NotImplementedError

    async def __aenter__(self) -> Any:
        return self.__enter__()

    async def __aexit__(self, *exc: Any) -> None:
        self.__exit__(*exc)

    def __call__(self, fn: F) -> F:
        fresh = self._fresh
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                with fresh():
                    return await fn(*args, **kwargs)

            return cast(F, awrapper)  # (functools.wraps keeps fn's signature)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with fresh():
                return fn(*args, **kwargs)

        return cast(F, wrapper)
