# workflow: none
import ray

result = ray.data.range(1000).map(lambda r: {"sq": r["id"] ** 2}).sum("sq")
