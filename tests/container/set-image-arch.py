"""Rewrites the architecture of an image: `docker save IMAGE | python3 set-image-arch.py ARCH
| docker load`. Engines before Docker 23 ignore `docker import --platform` and label an
imported tree with their own architecture."""
import io
import json
import sys
import tarfile

arch = sys.argv[1]
source = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|")
members = [(m, source.extractfile(m).read() if m.isfile() else None) for m in source]
manifest = json.loads(next(data for m, data in members if m.name == "manifest.json"))
configs = {entry["Config"] for entry in manifest}
for member, data in members:
    if member.name in configs:
        config = json.loads(data)
        config["architecture"] = arch
        data = json.dumps(config).encode()
        member.size = len(data)
    out.addfile(member, io.BytesIO(data) if data is not None else None)
out.close()
