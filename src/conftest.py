import os

os.environ.setdefault("TESTING", "1")
