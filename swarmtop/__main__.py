from swarmtop.cli import main

main()
