# inputs: sales
import ray
from ray.util import ActorPool


@ray.remote
class Scorer:
    def score(self, v):
        return v * 2


ds = ray.data.read_csv(inputs["sales"])
pool = ActorPool([Scorer.remote() for _ in range(2)])
values = [r["amount"] for r in ds.take(20)]
result = list(pool.map(lambda a, v: a.score.remote(v), values))
