#!/usr/bin/env python3
"""A year of a sneaker shop's Segment events for `aerd simulate`, as NDJSON on stdout.

Usage: Benchmarks/simulate-events.py CUSTOMERS [SEED] > events.ndjson

Each customer is identified (with an email), browses now and then, and orders at their own rate until
they drop out, so the lifecycle sees new, active, at-risk and churned customers and their timers fall
due all through the year. Deterministic for a given seed.
"""
import datetime
import json
import math
import random
import sys


def main() -> None:
    if len(sys.argv) not in (2, 3) or not sys.argv[1].isdigit():
        sys.exit("usage: simulate-events.py CUSTOMERS [SEED]")
    customers = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) == 3 else 42)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    events = []

    def emit(day: float, message: dict) -> None:
        when = start + datetime.timedelta(days=day)
        message["timestamp"] = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
        message["messageId"] = f"sim-{len(events)}"
        events.append((day, message))

    for customer in range(customers):
        user = f"customer-{customer}"
        day = 300 * rng.random()
        emit(day, {"type": "identify", "userId": user, "traits": {"email": f"{user}@example.com", "first_name": "Sam"}})
        rate = 0.01 + 0.09 * rng.random()
        dropout = 0.6 * rng.random() * rng.random()
        while day < 365:
            sku = rng.randrange(500)
            product = {"sku": f"RUN-{sku}", "name": "Stride Runner", "category": "running", "price": 40 + sku % 160 + 0.99}
            emit(day, {"type": "track", "userId": user, "event": "Product Viewed", "properties": product})
            if rng.random() < 0.5:
                emit(day + 0.01, {"type": "track", "userId": user, "event": "Product Added", "properties": product})
                revenue = round(product["price"] * (1 + rng.randrange(2)), 2)
                emit(day + 0.02, {"type": "track", "userId": user, "event": "Order Completed",
                                  "properties": {"order_id": f"{customer}-{len(events)}", "revenue": revenue, "currency": "EUR"}})
                if rng.random() < dropout:
                    break
            day += -math.log(1 - rng.random()) / rate

    for _, message in sorted(events, key=lambda pair: pair[0]):
        sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
