from shopgraph_orders.cli import main

main()
