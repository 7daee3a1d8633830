"""Money: an exact amount in its currency's minor units, never a float."""

from decimal import Decimal
from typing import Self

import strawberry

from resolvers.courses import Money, quantize_money


@strawberry.type(name="Money", description="An amount with its ISO 4217 currency.")
class MoneyType:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Decimal | None, currency: str | None) -> Self | None:
        return None if amount is None or currency is None else cls(amount=amount, currency=currency)

    @classmethod
    def exact(cls, amount: Decimal, currency: str) -> Self:
        """In the currency's minor units: PostgreSQL's NUMERIC(12, 3) reads back "49.900"."""
        return cls(amount=quantize_money(Decimal(amount), currency), currency=currency)


@strawberry.input(name="MoneyInput", description="An amount and its ISO 4217 currency code.")
class MoneyInput:
    amount: Decimal
    currency: str

    def to_money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)
