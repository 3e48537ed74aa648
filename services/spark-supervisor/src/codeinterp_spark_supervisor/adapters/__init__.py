"""Engine adapters of the spark-supervisor.

* :mod:`.spark_connect` - lifecycle of the warm Spark Connect server (own pid, Unix-socket proxy);
* :mod:`.local_executor` - :class:`~.local_executor.LocalSparkExecutor`: pool of pre-started,
  confined, single-use job workers on top of that server;
* :mod:`.worker_main` - the worker process entry point and the OS confinement primitives.

Nothing here starts a process or imports pyspark at import time.
"""
