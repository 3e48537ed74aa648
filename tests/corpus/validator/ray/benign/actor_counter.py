# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])


@ray.remote
class Counter:
    def __init__(self):
        self.total = 0

    def add(self, value):
        self.total += value
        return self.total


counter = Counter.remote()
for row in ds.take(100):
    counter.add.remote(row["amount"])
result = ray.get(counter.add.remote(0))
