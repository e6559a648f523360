from benchmarks.users_bench import main

main()
