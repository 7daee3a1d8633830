"""Money: an exact amount in its currency's minor units, never a float."""

from decimal import Decimal
from typing import Self

import strawberry

from resolvers.courses import Money, quantize_money


@strawberry.type(name="Money", description="An amount with its ISO 4217 currency.")
class MoneyType:
    amount: Decimal = strawberry.field(
        description="The amount in the currency's minor units, as a string, e.g. `10.00`."
    )
    currency: str = strawberry.field(description="ISO 4217 code, e.g. `EUR`.")

    @classmethod
    def of(cls, amount: Decimal | None, currency: str | None) -> Self | None:
        return None if amount is None or currency is None else cls(amount=amount, currency=currency)

    @classmethod
    def exact(cls, amount: Decimal, currency: str) -> Self:
        """In the currency's minor units: PostgreSQL's NUMERIC(12, 3) reads back "49.900"."""
        return cls(amount=quantize_money(Decimal(amount), currency), currency=currency)


@strawberry.input(name="MoneyInput", description="An amount and its ISO 4217 currency code.")
class MoneyInput:
    amount: Decimal = strawberry.field(
        description="A decimal string, at most the currency's minor units, e.g. `49.90`."
    )
    currency: str = strawberry.field(description="ISO 4217 code, e.g. `EUR`.")

    def to_money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)
