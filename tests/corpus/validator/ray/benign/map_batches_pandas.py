# inputs: sales
import pandas as pd
import ray

ds = ray.data.read_csv(inputs["sales"])


def add_total(batch: pd.DataFrame) -> pd.DataFrame:
    batch["total"] = batch["price"] * batch["quantity"]
    return batch


result = ds.map_batches(add_total, batch_format="pandas").sum("total")
