# workflow: none
import ray

items = [{"city": c, "pop": p} for c, p in [("A", 10), ("B", 20)]]
result = ray.data.from_items(items).sum("pop")
