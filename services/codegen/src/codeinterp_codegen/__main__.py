from codeinterp_codegen.main import main

main()
