from codeinterp_ray_supervisor.main import main

main()
