# inputs: sales
import pandas as pd
import ray
ds = ray.data.read_csv(inputs["sales"])
frame = ds.to_pandas()
frame["month"] = pd.to_datetime(frame["order_date"]).dt.to_period("M").astype(str)
result = frame.groupby("month", as_index=False)["amount"].sum().sort_values("month")
