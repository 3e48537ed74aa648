# expect: safety.ray-runtime-context
# class: 5-indirect-import
import ray as r
ds = r.data.read_csv(inputs['sales'])
result = r.get_runtime_context().get_node_id()
