print("kp-store-writer: not yet implemented")
