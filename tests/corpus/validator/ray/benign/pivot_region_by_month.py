# inputs: sales
import ray
ds = ray.data.read_csv(inputs["sales"])
frame = ds.select_columns(["region", "order_date", "amount"]).to_pandas()
frame["month"] = frame["order_date"].str.slice(0, 7)
result = frame.pivot_table(index="region", columns="month", values="amount", aggfunc="sum", fill_value=0).reset_index()
