# workflow: none
import statistics
result = statistics.mean([3, 5, 7, 11])
