# inputs: sales
import pandas as pd
import ray

ds = ray.data.read_csv(inputs["sales"])
pdf = ds.to_pandas()
pdf["month"] = pd.to_datetime(pdf["order_date"]).dt.to_period("M").astype(str)
result = pdf.groupby("month", as_index=False)["amount"].sum()
