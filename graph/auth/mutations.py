"""tokenCreate, tokenRefresh, tokenRevoke, apiKeyCreate, apiKeyRevoke."""

from datetime import datetime
from typing import Annotated, Any

import strawberry

from graph.auth.types import ApiKeyType
from graph.context import Info
from graph.enums import Role
from graph.errors import error_type
from graph.mutation import errors_field, payload_type, perform
from graph.node import input_id
from graph.users.types import UserType
from resolvers import api_keys, tokens
from resolvers.errors import Problem, error_codes

TokenErrorCode = error_codes("TokenErrorCode", "INVALID_CREDENTIALS", "INVALID_TOKEN")
TokenError = error_type("TokenError", TokenErrorCode)
ApiKeyError = error_type("ApiKeyError", api_keys.ApiKeyErrorCode)


@strawberry.input(description="Sign in with an email and password.")
class TokenCreateInput:
    email: str = strawberry.field(description="The account's email, any case.")
    password: str = strawberry.field(
        description="The account's password; a wrong one and an unknown email both give INVALID_CREDENTIALS."
    )


@strawberry.input(description="A refresh token from tokenCreate or an earlier tokenRefresh.")
class RefreshTokenInput:
    refresh_token: str = strawberry.field(description="A refresh token as `tokenCreate` or `tokenRefresh` returned it.")


@strawberry.type(description="A signed-in session: send `accessToken` as `Authorization: Bearer …`.")
class TokenPayload:
    access_token: str | None = strawberry.field(
        default=None, description="A short-lived JWT to send as `Authorization: Bearer <token>`; null when refused."
    )
    refresh_token: str | None = strawberry.field(default=None, description="Single use: tokenRefresh replaces it.")
    expires_at: datetime | None = strawberry.field(default=None, description="When the access token expires.")
    user: UserType | None = strawberry.field(default=None, description="The signed-in account; null when refused.")
    errors: list[TokenError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, issued: tokens.Tokens) -> "TokenPayload":
        return cls(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_at=issued.expires_at,
            user=UserType.from_row(issued.user),
        )

    @classmethod
    def failed(cls, problems: list[Problem]) -> "TokenPayload":
        return cls(errors=TokenError.of(problems))


TokenRevokePayload = payload_type(
    "TokenRevokePayload", "user", UserType, TokenError, lambda signed_out: UserType.from_row(signed_out.user)
)


@strawberry.input(description="A key for a partner or server, bound to the acting portal.")
class ApiKeyCreateInput:
    name: str = strawberry.field(description="A label for the key, e.g. the partner system that will use it.")
    role: Role = strawberry.field(description="The role the key acts as in the acting portal.")


@strawberry.input(description="An API key to revoke: requests with it are refused from then on.")
class ApiKeyRevokeInput:
    api_key_id: strawberry.ID = strawberry.field(description="The key to revoke, of the acting portal.")


@strawberry.type(description="The new key; `secret` is shown now and never again.")
class ApiKeyCreatePayload:
    api_key: ApiKeyType | None = strawberry.field(
        default=None, description="The new key (its secret is `secret`, shown only here); null when refused."
    )
    secret: str | None = strawberry.field(default=None, description="Send it as `Authorization: Bearer …`.")
    errors: list[ApiKeyError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, created: api_keys.ApiKeyCreated) -> "ApiKeyCreatePayload":
        return cls(api_key=ApiKeyType.from_row(created.key), secret=created.secret)

    @classmethod
    def failed(cls, problems: list[Problem]) -> "ApiKeyCreatePayload":
        return cls(errors=ApiKeyError.of(problems))


ApiKeyPayload = payload_type("ApiKeyPayload", "apiKey", ApiKeyType, ApiKeyError)


def _settings(info: Info) -> dict[str, Any]:
    return {"settings": info.context.settings}


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Sign in. A wrong email and a wrong password give the same error.")
    async def token_create(
        self,
        info: Info,
        input_: Annotated[
            TokenCreateInput, strawberry.argument(name="input", description="The account's email and password.")
        ],
    ) -> TokenPayload:
        command = tokens.TokenCreate(email=input_.email, password=input_.password)
        return await perform(info, TokenPayload, tokens.create_tokens, lambda: {"command": command, **_settings(info)})

    @strawberry.mutation(description="New tokens for a refresh token, which stops working.")
    async def token_refresh(
        self,
        info: Info,
        input_: Annotated[
            RefreshTokenInput,
            strawberry.argument(
                name="input", description="The refresh token from `tokenCreate` or an earlier refresh."
            ),
        ],
    ) -> TokenPayload:
        arguments = {"refresh_token": input_.refresh_token, **_settings(info)}
        return await perform(info, TokenPayload, tokens.refresh_tokens, lambda: arguments)

    @strawberry.mutation(description="Sign out: the refresh token stops working.")
    async def token_revoke(
        self,
        info: Info,
        input_: Annotated[
            RefreshTokenInput, strawberry.argument(name="input", description="The refresh token to revoke.")
        ],
    ) -> TokenRevokePayload:  # type: ignore[valid-type]
        arguments = {"refresh_token": input_.refresh_token}
        return await perform(info, TokenRevokePayload, tokens.revoke_refresh_token, lambda: arguments)

    @strawberry.mutation(description="Create an API key for the acting portal (admins).")
    async def api_key_create(
        self,
        info: Info,
        input_: Annotated[ApiKeyCreateInput, strawberry.argument(name="input", description="The key's name and role.")],
    ) -> ApiKeyCreatePayload:
        command = api_keys.ApiKeyCreate(name=input_.name, role=input_.role)
        return await perform(info, ApiKeyCreatePayload, api_keys.create_api_key, lambda: {"command": command})

    @strawberry.mutation(description="Revoke an API key; it stops working with the next request.")
    async def api_key_revoke(
        self,
        info: Info,
        input_: Annotated[ApiKeyRevokeInput, strawberry.argument(name="input", description="The key to revoke.")],
    ) -> ApiKeyPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            ApiKeyPayload,
            api_keys.revoke_api_key,
            lambda: {"api_key_id": input_id(input_.api_key_id, "ApiKey", field=("apiKeyId",))},
        )
