# inputs: sales
import ray

ds = ray.data.read_csv(inputs["sales"])
result = ds.add_column("amount_eur", lambda df: df["amount"] * 0.92).select_columns(["order_id", "amount_eur"])
