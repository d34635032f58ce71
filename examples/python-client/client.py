#!/usr/bin/env python3
"""A spikestream client in Python: prints the server's hello and the predictions it streams.

Needs only `websockets` and `msgpack` (Debian: python3-websockets python3-msgpack).

    python3 client.py --url ws://127.0.0.1:8080 [--token T] [--count N] [--topics predictions,events]

Each line printed is one JSON object: the hello, then one per prediction (with the delivery delay
measured against the server's send time, valid when client and server share a clock), and, with
--topics ...,events, a summary of each events message. Exits 0 after --count predictions.
"""
import argparse
import asyncio
import json
import struct
import sys
import time
from urllib.parse import urlencode

import msgpack
import websockets

# Element types of the `events` columns (protocol v1): little-endian.
EVENT_COLUMNS = {"tUs": "d", "x": "H", "y": "H", "p": "B"}


def decode_events(msg):
    """Turns the bin columns of an `events` message into lists of numbers."""
    n = msg["count"]
    for name, code in EVENT_COLUMNS.items():
        msg[name] = list(struct.unpack("<%d%s" % (n, code), msg[name]))
    return msg


async def run(args):
    query = {"topics": args.topics, "format": "msgpack"}
    if args.token:
        query["token"] = args.token
    url = "%s/v1/stream?%s" % (args.url.rstrip("/"), urlencode(query))
    received = 0
    async with websockets.connect(url, max_size=2**24) as ws:
        async for frame in ws:
            msg = msgpack.unpackb(frame, raw=False) if isinstance(frame, bytes) else json.loads(frame)
            kind = msg.get("type")
            if kind == "hello":
                print(json.dumps(msg), flush=True)
            elif kind == "prediction":
                now_ms = time.time() * 1000.0
                msg["deliveryMs"] = now_ms - msg["sentAtMs"]
                print(json.dumps(msg), flush=True)
                received += 1
                if args.count and received >= args.count:
                    return 0
            elif kind == "events":
                ev = decode_events(msg)
                summary = {k: ev[k] for k in ("type", "seq", "width", "height", "count", "received")}
                summary["firstEvent"] = [ev["tUs"][0], ev["x"][0], ev["y"][0], ev["p"][0]] if ev["count"] else None
                print(json.dumps(summary), flush=True)
            elif kind == "error":
                print("server error %s: %s" % (msg["code"], msg["message"]), file=sys.stderr, flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8080")
    parser.add_argument("--token", default=None)
    parser.add_argument("--count", type=int, default=0, help="exit after this many predictions (0 = never)")
    parser.add_argument("--topics", default="predictions")
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(run(args)))
    except websockets.exceptions.InvalidHandshake as err:
        # e.g. HTTP 401 (token), 403 (origin), 404 (path)
        print("connection refused: %s" % err, file=sys.stderr)
        sys.exit(1)
    except OSError as err:
        print("cannot connect to %s: %s" % (args.url, err), file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
