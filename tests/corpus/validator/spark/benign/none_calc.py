# workflow: none
import math
result = math.comb(52, 5)
