from postgen.cli import main

main()
