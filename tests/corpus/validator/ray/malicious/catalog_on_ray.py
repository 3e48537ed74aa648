# expect: workflow.catalog-unsupported
# class: workflow
# workflow: catalog tables: sales.orders
import ray
result = ray.data.range(10)
