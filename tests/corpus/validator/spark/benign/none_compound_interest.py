# workflow: none
from decimal import Decimal, ROUND_HALF_UP
principal = Decimal("1000")
rate = Decimal("0.05")
value = principal * (1 + rate) ** 10
result = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
