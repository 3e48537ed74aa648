# expect: safety.non-ascii-identifier
# class: 7-source-tricks
import ray
ds = ray.data.read_csv(inputs["sales"])
x = 𝐞𝐯𝐚𝐥("1")
result = ds
