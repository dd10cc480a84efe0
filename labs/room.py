#!/usr/bin/env python3
"""The room's users on the trainer's cloud cluster, for ./lab up --role trainer.

    room.py --bootstrap HOST:PORT --passwords DIR

For each DIR/dcNN.password, the SCRAM-SHA-512 user dcNN with that password,
and the ACLs that let it do what an attendee's `bridge replicate` does there
and nothing more:
  - its own topics, prefix dcNN_: create them, write and read them, follow
    their configs and partition counts;
  - its replicator's own internal topics (_bridgelab_replicate_offsets.dcNN,
    the slots topic of its group dcNN-replicate) and transactional ids
    (bridgelab-replicate-dcNN-);
  - idempotent writes on the cluster.
So dc02 cannot write dc01's topics. Connects to the loopback listener, where
the lab's broker treats every client as its super user. Idempotent: run on
every start of the trainer's cloud cluster. One line on success; one line
naming what failed otherwise.
"""

import argparse
import glob
import os
import sys

from confluent_kafka.admin import (AclBinding, AclOperation, AclPermissionType, AdminClient, ResourcePatternType,
                                   ResourceType, ScramCredentialInfo, ScramMechanism, UserScramCredentialUpsertion)

TOPIC_OPERATIONS = [AclOperation.CREATE, AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE,
                    AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.ALTER]
SCRAM_ITERATIONS = 8192


def attendee_acls(dc):
    """The ACL bindings of attendee dc (see the module's text)."""
    principal = f"User:{dc}"

    def allow(rtype, name, op, pattern=ResourcePatternType.PREFIXED):
        return AclBinding(rtype, name, pattern, principal, "*", op, AclPermissionType.ALLOW)

    acls = []
    for prefix in (f"{dc}_", f"_bridgelab_replicate_offsets.{dc}", f"_bridgelab_replicate_slots.{dc}-"):
        acls += [allow(ResourceType.TOPIC, prefix, op) for op in TOPIC_OPERATIONS]
    acls += [allow(ResourceType.TRANSACTIONAL_ID, f"bridgelab-replicate-{dc}-", op)
             for op in (AclOperation.WRITE, AclOperation.DESCRIBE)]
    acls.append(allow(ResourceType.BROKER, "kafka-cluster", AclOperation.IDEMPOTENT_WRITE, ResourcePatternType.LITERAL))
    return acls


def wait_all(futures, what):
    for key, f in futures.items():
        try:
            f.result(timeout=60)
        except Exception as e:  # the admin client's KafkaException, or a timeout
            sys.exit(f"room.py: {what} {key}: {e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--passwords", required=True, help="folder of dcNN.password files")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.passwords, "dc*.password")))
    if not files:
        sys.exit(f"room.py: no dcNN.password files in {a.passwords}")
    admin = AdminClient({"bootstrap.servers": a.bootstrap})
    upserts, acls = [], []
    for path in files:
        dc = os.path.basename(path)[: -len(".password")]
        with open(path, "rb") as f:
            password = f.read().strip()
        upserts.append(UserScramCredentialUpsertion(
            dc, ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password))
        acls += attendee_acls(dc)
    wait_all(admin.alter_user_scram_credentials(upserts, request_timeout=60), "SCRAM user")
    wait_all(admin.create_acls(acls, request_timeout=60), "ACL")
    print(f"room.py: {len(files)} SCRAM users and {len(acls)} ACLs on {a.bootstrap}")


if __name__ == "__main__":
    main()
