"""The users subgraph's GraphQL schema, as named in contract/contract.graphql."""

from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from shopgraph_core.auth.verifier import Role as RoleValue
from shopgraph_core.graphql.context import RequestContext
from shopgraph_core.graphql.schema import SubgraphSchema, build_schema
from shopgraph_core.settings import ServiceSettings
from shopgraph_users.accounts import IssuedToken
from shopgraph_users.models import UserRow
from shopgraph_users.service import UsersService

Role = strawberry.enum(RoleValue, name="Role")
Context = RequestContext[UsersService]


def _loader(info: Info[Context, None]) -> DataLoader[str, UserRow | None]:
    return info.context.loader("users_by_id", info.context.service.accounts.by_ids)


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str
    role: Role  # type: ignore[valid-type]
    created_at: datetime
    _email: strawberry.Private[str]
    # True when the user was just authenticated by this very request (signUp, login).
    _owned_by_caller: strawberry.Private[bool] = False

    @strawberry.field(description="Visible to the user themself and to admins.")
    def email(self, info: Info[Context, None]) -> str:
        if self._owned_by_caller:
            return self._email
        info.context.require_self_or_admin(self.id, "see this email")
        return self._email

    @classmethod
    async def resolve_reference(cls, info: Info[Context, None], id: strawberry.ID) -> "User | None":
        # The same rule as `user(id)`: a user is the user themself's or an admin's to read.
        # Through the gateway only an order's owner or an admin reaches a user this way.
        info.context.require_self_or_admin(str(id), "read this user")
        # Every representation in one `_entities` call lands in the same DataLoader batch.
        row = await _loader(info).load(str(id))
        return None if row is None else cls.from_row(row)

    @classmethod
    def from_row(cls, row: UserRow, *, owned_by_caller: bool = False) -> "User":
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            role=RoleValue(row.role),
            created_at=row.created_at,
            _email=row.email,
            _owned_by_caller=owned_by_caller,
        )


@strawberry.type
class AuthPayload:
    token: str
    expires_at: datetime
    user: User

    @classmethod
    def from_issued(cls, issued: IssuedToken) -> "AuthPayload":
        user = User.from_row(issued.user, owned_by_caller=True)
        return cls(token=issued.token, expires_at=issued.expires_at, user=user)


@strawberry.input
class SignUpInput:
    email: str
    password: str = strawberry.field(description="At least 8 characters.")
    name: str


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.type
class Query:
    @strawberry.field(description="The caller; null when anonymous.")
    async def me(self, info: Info[Context, None]) -> User | None:
        caller = info.context.caller
        if caller is None:
            return None
        row = await _loader(info).load(caller.user_id)
        return None if row is None else User.from_row(row)

    @strawberry.field(description="A user by id: the user themself or an admin.")
    async def user(self, info: Info[Context, None], id: strawberry.ID) -> User | None:
        info.context.require_self_or_admin(str(id), "read this user")
        row = await _loader(info).load(str(id))
        return None if row is None else User.from_row(row)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def sign_up(self, info: Info[Context, None], input: SignUpInput) -> AuthPayload:
        accounts = info.context.service.accounts
        issued = await accounts.sign_up(
            email=input.email,
            password=input.password,
            name=input.name,
            client_address=accounts.throttle.client_address(info.context.request),
        )
        return AuthPayload.from_issued(issued)

    @strawberry.mutation
    async def login(self, info: Info[Context, None], input: LoginInput) -> AuthPayload:
        accounts = info.context.service.accounts
        issued = await accounts.login(
            email=input.email,
            password=input.password,
            client_address=accounts.throttle.client_address(info.context.request),
        )
        return AuthPayload.from_issued(issued)


def create_schema(settings: ServiceSettings | None = None) -> SubgraphSchema:
    return build_schema(
        settings=settings or ServiceSettings(), query=Query, mutation=Mutation, types=[User]
    )
