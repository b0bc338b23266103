print("aerd")
