# inputs: sales
from datetime import datetime
import ray

ds = ray.data.read_csv(inputs["sales"])


def month_of(batch):
    batch["month"] = [datetime.strptime(d, "%Y-%m-%d").strftime("%Y-%m") for d in batch["order_date"]]
    return batch


result = ds.map_batches(month_of, batch_format="pandas").groupby("month").sum("amount")
