# inputs: sales
import ray
ds = ray.data.read_csv(inputs["sales"])
total = ds.sum("amount")
east = ds.filter(lambda r: r["region"] == "East").sum("amount")
result = {"east_share": "{:.1%}".format(east / total if total else 0)}
