# expect: safety.dunder-access
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
match df:
    case object(__class__=cls):
        result = cls
