"""Writes a single-layer OCI image archive from a tar of a root filesystem, with no registry.

    python k8s/local/oci_image.py LAYER.tar NAME:TAG OUT.tar [--entrypoint JSON] [--cmd JSON]
        [--user UID] [--env K=V ...] [--workdir DIR]

`ctr -n k8s.io images import OUT.tar` and `buildah pull oci-archive:OUT.tar` load the result;
the name is in index.json's `io.containerd.image.name` (and `org.opencontainers.image.ref.name`)
annotations. The local cluster (k8s/local/images.sh) makes its pause and base images this way.
"""

import argparse
import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any


def _blob(out: tarfile.TarFile, data: bytes) -> tuple[str, int]:
    digest = hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo(f"blobs/sha256/{digest}")
    info.size = len(data)
    out.addfile(info, io.BytesIO(data))
    return f"sha256:{digest}", len(data)


def write_archive(layer_tar: Path, name: str, out_path: Path, config: dict[str, Any]) -> None:
    raw = layer_tar.read_bytes()
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    # mtime=0: the same rootfs gives the same image digest.
    layer = gzip.compress(raw, compresslevel=1, mtime=0)
    image_config = {
        "architecture": "amd64",
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "k8s/local/oci_image.py"}],
    }
    with tarfile.open(out_path, "w") as out:
        layer_digest, layer_size = _blob(out, layer)
        config_digest, config_size = _blob(out, json.dumps(image_config).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": config_size,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest,
                    "size": layer_size,
                }
            ],
        }
        manifest_digest, manifest_size = _blob(out, json.dumps(manifest).encode())
        index = {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": manifest_digest,
                    "size": manifest_size,
                    "annotations": {
                        "io.containerd.image.name": name,
                        "org.opencontainers.image.ref.name": name,
                    },
                }
            ],
        }
        for file_name, data in (
            ("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode()),
            ("index.json", json.dumps(index).encode()),
        ):
            info = tarfile.TarInfo(file_name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("layer", type=Path)
    parser.add_argument("name")
    parser.add_argument("out", type=Path)
    parser.add_argument("--entrypoint", type=json.loads)
    parser.add_argument("--cmd", type=json.loads)
    parser.add_argument("--user")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--workdir")
    args = parser.parse_args()
    config: dict[str, Any] = {
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    }
    config["Env"] += args.env
    for key, value in (
        ("Entrypoint", args.entrypoint),
        ("Cmd", args.cmd),
        ("User", args.user),
        ("WorkingDir", args.workdir),
    ):
        if value is not None:
            config[key] = value
    write_archive(args.layer, args.name, args.out, config)


if __name__ == "__main__":
    main()
