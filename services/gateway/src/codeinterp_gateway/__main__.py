from codeinterp_gateway.main import main

main()
