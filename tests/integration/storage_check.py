"""The independent side of tests/integration/storage.sh: Microsoft's own
Azure Storage SDK (azure-storage-blob, from .deps/venv) reads what our
client wrote and writes what our client must read, and makes the SAS
tokens the suite tries.

  storage_check.py ENDPOINT KEYFILE CONTAINER COMMAND ARGS
    list PREFIX              "name<TAB>size[<TAB>k=v;...]" lines, metadata sorted by name
    download NAME OUTFILE    the blob's bytes
    upload NAME INFILE TYPE [k=v...]
    props NAME               "type<TAB>T", then "meta<TAB>k=v" lines, sorted
    blocks NAME              the number of committed blocks
    exists                   exit 0 when the container exists
    sas valid|expired|read   a container SAS token (valid: racwdl for an hour;
                             expired: an hour ago; read: rl only)
  storage_check.py - - - sortmeta   our tool's listing on stdin, metadata sorted
"""
import datetime
import sys


def sort_meta(pairs):
    return ";".join(f"{k}={v}" for k, v in sorted(pairs, key=lambda kv: kv[0].lower()))


def client(endpoint, keyfile):
    from azure.storage.blob import BlobServiceClient

    account = endpoint.rstrip("/").rsplit("/", 1)[1]
    with open(keyfile) as f:
        key = f.readline().strip()
    return account, key, BlobServiceClient(account_url=endpoint, credential={"account_name": account, "account_key": key})


def main(argv):
    endpoint, keyfile, container, command, args = argv[1], argv[2], argv[3], argv[4], argv[5:]
    if command == "sortmeta":
        for line in sys.stdin:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 3:
                fields[2] = sort_meta(p.split("=", 1) for p in fields[2].split(";"))
            print("\t".join(fields))
        return 0
    account, key, service = client(endpoint, keyfile)
    box = service.get_container_client(container)
    if command == "list":
        for b in box.list_blobs(name_starts_with=args[0], include=["metadata"]):
            line = f"{b.name}\t{b.size}"
            if b.metadata:
                line += "\t" + sort_meta(b.metadata.items())
            print(line)
    elif command == "download":
        with open(args[1], "wb") as f:
            f.write(box.download_blob(args[0]).readall())
    elif command == "upload":
        from azure.storage.blob import ContentSettings

        meta = dict(p.split("=", 1) for p in args[3:])
        with open(args[1], "rb") as f:
            box.upload_blob(args[0], f.read(), metadata=meta, content_settings=ContentSettings(content_type=args[2]))
    elif command == "props":
        p = box.get_blob_client(args[0]).get_blob_properties()
        print(f"type\t{p.content_settings.content_type}")
        for k, v in sorted(p.metadata.items(), key=lambda kv: kv[0].lower()):
            print(f"meta\t{k}={v}")
    elif command == "blocks":
        committed, _ = box.get_blob_client(args[0]).get_block_list("committed")
        print(len(committed))
    elif command == "exists":
        return 0 if box.exists() else 1
    elif command == "sas":
        from azure.storage.blob import generate_container_sas

        now = datetime.datetime.now(datetime.timezone.utc)
        hour = datetime.timedelta(hours=1)
        start, expiry, perm = {
            "valid": (now - hour / 12, now + hour, "racwdl"),
            "expired": (now - 2 * hour, now - hour, "racwdl"),
            "read": (now - hour / 12, now + hour, "rl"),
        }[args[0]]
        print(generate_container_sas(account, container, account_key=key, permission=perm, start=start, expiry=expiry))
    else:
        print(f"storage_check.py: unknown command {command}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
