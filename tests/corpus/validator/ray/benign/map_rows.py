# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])


def tag(row):
    row["big"] = row["amount"] > 500
    return row


result = ds.map(tag).groupby("big").count()
