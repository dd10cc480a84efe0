#!/usr/bin/env python3
"""The lake's files as ./lab shows them (./lab lake ...), read with
Microsoft's own azure-storage-blob SDK, independently of the sink that wrote
them.

  lake.py --url URL --key-file F ls [PREFIX]      one line per file: name, size, records
  lake.py --url URL --key-file F cat NAME         the file's bytes
  lake.py --url URL --key-file F grep PREFIX TEXT the lines of the files under PREFIX that hold TEXT

URL is the container's (http://127.0.0.1:10000/devstoreaccount1/lake); the
account is the URL's first path segment. Folders whose name starts with _ or
. (the sink's own state) are left out, as Hive and Spark do."""

import argparse
import sys
from urllib.parse import urlparse

from azure.core.exceptions import AzureError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient


def container_client(url, key_file):
    u = urlparse(url)
    parts = [p for p in u.path.split("/") if p]
    if len(parts) != 2:
        sys.exit(f"lake: {url} is not a container URL (http://HOST:PORT/ACCOUNT/CONTAINER)")
    account, container = parts
    with open(key_file) as f:
        key = f.read().strip()
    service = BlobServiceClient(f"{u.scheme}://{u.netloc}/{account}",
                                credential={"account_name": account, "account_key": key})
    return service.get_container_client(container)


def hidden(name):
    return any(seg.startswith(("_", ".")) for seg in name.split("/")[:-1])


def files(client, prefix):
    for b in client.list_blobs(name_starts_with=prefix or None, include=["metadata"]):
        if not hidden(b.name):
            yield b


def main():
    ap = argparse.ArgumentParser(prog="lab lake", description="the lake's files")
    ap.add_argument("--url", required=True)
    ap.add_argument("--key-file", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ls", help="one line per file: name, size, records")
    p.add_argument("prefix", nargs="?", default="")
    p = sub.add_parser("cat", help="a file's bytes")
    p.add_argument("name")
    p = sub.add_parser("grep", help="the lines of the files under PREFIX that hold TEXT")
    p.add_argument("prefix")
    p.add_argument("text")
    a = ap.parse_args()
    client = container_client(a.url, a.key_file)
    try:
        if a.cmd == "ls":
            for b in files(client, a.prefix):
                records = (b.metadata or {}).get("bridgelab_records", "-")
                print(f"{b.name}  {b.size} bytes  {records} records")
        elif a.cmd == "cat":
            sys.stdout.buffer.write(client.download_blob(a.name).readall())
        else:
            for b in files(client, a.prefix):
                data = client.download_blob(b.name).readall().decode("utf-8", "replace")
                for line in data.splitlines():
                    if a.text in line:
                        print(line)
    except ResourceNotFoundError as e:
        sys.exit(f"lake: not found: {a.url}: {e.reason}; ./lab lake ls lists what is there")
    except AzureError as e:
        sys.exit(f"lake: {a.url}: {str(e).splitlines()[0]}; is azurite up? ./lab status")


if __name__ == "__main__":
    main()
