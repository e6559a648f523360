from benchmarks.users import main

main()
