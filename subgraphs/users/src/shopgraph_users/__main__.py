from shopgraph_users.cli import main

main()
