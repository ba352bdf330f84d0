#!/usr/bin/env python3
"""mktree.py DIR ENTRIES: a tree of about ENTRIES entries (1,000 per directory, in
directories of 100 subdirectories), owned by whoever runs it."""
import os
import sys

root, total = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
made = 1
d = 0
while made < total:
    top = os.path.join(root, f"t{d // 100}")
    if d % 100 == 0:
        os.mkdir(top)
        made += 1
    sub = os.path.join(top, f"d{d % 100}")
    os.mkdir(sub)
    made += 1
    for i in range(min(999, total - made)):
        with open(os.path.join(sub, f"f{i}"), "w"):
            pass
        made += 1
    d += 1
print(made)
