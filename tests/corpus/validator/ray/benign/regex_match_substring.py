# inputs: sales
import pyarrow.compute as pc
import ray
ds = ray.data.read_csv(inputs["sales"])
def tag(batch):
    batch = batch.append_column("is_a_sku", pc.match_substring_regex(batch["sku"], r"^A\d+"))
    return batch
result = ds.map_batches(tag, batch_format="pyarrow").filter(lambda r: r["is_a_sku"])
