print("store-bench: not yet implemented")
