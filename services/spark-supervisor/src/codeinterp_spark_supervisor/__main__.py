from codeinterp_spark_supervisor.main import main

main()
