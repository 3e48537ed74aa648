# expect: syntax.error
# class: 7-source-tricks
﻿# coding: latin-1
result = spark.read.csv(inputs['sales'])
