# expect: safety.bidi-control
# class: 7-source-tricks
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
access = 'user'
if access != 'none‮ ⁦# check⁩ ⁦':
    pass
result = df
