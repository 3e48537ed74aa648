# inputs: sales
import numpy as np
import ray

ds = ray.data.read_csv(inputs["sales"])


class Normalize:
    def __init__(self, mean, std):
        self.mean = mean
        self.std = std

    def __call__(self, batch):
        batch["z"] = (batch["amount"] - self.mean) / self.std
        return batch


mean = ds.mean("amount")
std = ds.std("amount")
result = ds.map_batches(Normalize, fn_constructor_args=(mean, std), concurrency=2, batch_format="numpy")
