# inputs: sales
import pyarrow as pa
import pyarrow.compute as pc
import ray

ds = ray.data.read_csv(inputs["sales"])


def double(batch: pa.Table) -> pa.Table:
    return batch.append_column("double", pc.multiply(batch["amount"], 2))


result = ds.map_batches(double, batch_format="pyarrow").sum("double")
