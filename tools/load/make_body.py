#!/usr/bin/env python3
"""Writes a multipart/form-data body with one 'image' part (a real IDC patch) for hey -D.

Usage: make_body.py PATCH.png OUT.body BOUNDARY
"""
import os
import sys

patch, out, boundary = sys.argv[1], sys.argv[2], sys.argv[3]
with open(patch, "rb") as f:
    data = f.read()
name = os.path.basename(patch)
head = (
    f"--{boundary}\r\n"
    f'Content-Disposition: form-data; name="image"; filename="{name}"\r\n'
    "Content-Type: image/png\r\n\r\n"
).encode()
tail = f"\r\n--{boundary}--\r\n".encode()
with open(out, "wb") as f:
    f.write(head + data + tail)
