from shopgraph_products.cli import main

main()
