# inputs: sales
import ray
ds = ray.data.read_csv(inputs["sales"])
class AddMargin:
    def __init__(self):
        self.rate = 0.2
    def __call__(self, batch):
        batch["margin"] = batch["amount"] * self.rate
        batch["exec_team"] = batch["exec"]
        return batch
result = ds.map_batches(AddMargin, batch_format="pandas", concurrency=1)
