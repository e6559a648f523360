"""The per-request context every resolver receives."""

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from shopgraph_core.auth.verifier import Caller
from shopgraph_core.errors import AppError, Forbidden, Unauthenticated

ServiceT = TypeVar("ServiceT")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RequestContext(BaseContext, Generic[ServiceT]):
    """The service object (`shopgraph_core.runtime.service`), the caller, and per-request
    DataLoaders."""

    def __init__(
        self, service: ServiceT, caller: Caller | None, auth_error: AppError | None
    ) -> None:
        super().__init__()
        self.service = service
        self._caller = caller
        # A bad token is reported only when a resolver asks who is calling.
        self._auth_error = auth_error
        self._loaders: dict[str, DataLoader[Any, Any]] = {}

    @property
    def caller(self) -> Caller | None:
        """The caller, None when anonymous; a present but invalid token raises."""
        if self._auth_error is not None:
            raise self._auth_error
        return self._caller

    def require_caller(self) -> Caller:
        caller = self.caller
        if caller is None:
            raise Unauthenticated("Authentication required")
        return caller

    def require_admin(self) -> Caller:
        caller = self.require_caller()
        if not caller.is_admin:
            raise Forbidden("Only an admin may do this")
        return caller

    def require_self_or_admin(self, user_id: str, what: str) -> Caller:
        """The caller, when they are the user `user_id` or an admin; FORBIDDEN otherwise."""
        caller = self.require_caller()
        if caller.user_id != user_id and not caller.is_admin:
            raise Forbidden(f"Only the user themself or an admin may {what}")
        return caller

    def loader(
        self, name: str, load: Callable[[list[K]], Awaitable[Sequence[V]]]
    ) -> DataLoader[K, V]:
        """The request's DataLoader called `name`, made on first use: one batch per request."""
        if name not in self._loaders:
            self._loaders[name] = DataLoader(load_fn=load)
        return self._loaders[name]
