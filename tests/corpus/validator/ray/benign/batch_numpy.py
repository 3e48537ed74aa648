# inputs: sales
import numpy as np
import ray

ds = ray.data.read_csv(inputs['sales'])


def log_amount(batch):
    batch['log_amount'] = np.log1p(batch['amount'])
    return batch


result = ds.map_batches(log_amount, batch_format='numpy').mean('log_amount')
