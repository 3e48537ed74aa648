# inputs: sales
import ray

ds = ray.data.read_csv(inputs['sales'])
result = ds.flat_map(lambda r: [{'tag': t} for t in str(r['tags']).split(';')]).groupby('tag').count()
