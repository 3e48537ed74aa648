# inputs: sales,customers
import ray
import pandas as pd

sales = ray.data.read_csv(inputs["sales"]).to_pandas()
customers = ray.data.read_csv(inputs["customers"]).to_pandas()
merged = sales.merge(customers, on="customer_id", how="inner")
result = merged.groupby("segment")["amount"].sum().reset_index()
