# expect: framework.pyspark-in-ray
# class: framework
import ray
ds = ray.data.read_csv(inputs["sales"])
from pyspark.sql import functions as F
result = ds
