# expect: safety.sql-reflection
# class: 8-escape-hatches
df = spark.read.csv(inputs["sales"], header=True, inferSchema=True)
result = df.filter(")0 ,'tixe' ,'metsyS.gnal.avaj'(tcelfer"[::-1])
