"""How many password guesses the sign-in throttle lets through per hour at one account, from one
address and from many, and whether the account's owner still signs in meanwhile.

The throttle itself (app/services/signin_throttle.py, `limits`' memory storage) on a simulated
clock, no argon2: every guess is sent the moment the throttle allows it (an attacker who reads the
"try again in N" answers and waits exactly that long). Each bot stays under its own
(account, address) lock by never sending more than the allowance in a window, or sends anyway;
both are counted as it happens. The owner signs in from an address of their own every 5 minutes.

`python bench/signin_guessing.py [--addresses 1 1000] [--hours 1]`
"""

from __future__ import annotations

import argparse
import heapq
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import limits.storage.memory  # noqa: E402
from limits.storage import MemoryStorage  # noqa: E402

from app.services import signin_throttle  # noqa: E402
from app.services.signin_throttle import SignInThrottle, TooManyAttempts  # noqa: E402

ACCOUNT = "admin@beacon.demo"
OWNER_ADDRESS = "192.0.2.10"
OWNER_EVERY_SECONDS = 300


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


def simulate(addresses: int, hours: float) -> dict:
    clock = Clock()
    limits.storage.memory.time = clock
    signin_throttle.time = clock
    storage = MemoryStorage()
    throttle = SignInThrottle(storage)
    start, end = clock.now, clock.now + hours * 3600
    bots = [f"198.18.{n // 250}.{n % 250 + 1}" for n in range(addresses)]
    queue: list[tuple[float, int]] = [(start, n) for n in range(addresses)]
    queue += [(start + k * OWNER_EVERY_SECONDS + 0.5, -1) for k in range(int(hours * 3600 // OWNER_EVERY_SECONDS))]
    heapq.heapify(queue)
    guesses = refusals = owner_in = owner_refused = 0
    owner_waits: list[str] = []
    while queue:
        at, who = heapq.heappop(queue)
        if at >= end:
            break
        clock.now = at
        if who == -1:  # the owner, right password, from home
            try:
                throttle.admit(ACCOUNT, OWNER_ADDRESS)
                throttle.succeeded(ACCOUNT, OWNER_ADDRESS)
                owner_in += 1
            except TooManyAttempts as refused:
                owner_refused += 1
                owner_waits.append(refused.message)
            continue
        address = bots[who]
        try:
            throttle.admit(ACCOUNT, address)
        except TooManyAttempts as refused:
            refusals += 1
            heapq.heappush(queue, (at + refused.retry_after_seconds + 0.01, who))
            continue
        guesses += 1  # a password check the attacker got
        try:
            throttle.failed(ACCOUNT, address)
            heapq.heappush(queue, (at + 0.05, who))  # the next guess as soon as the answer is back
        except TooManyAttempts as locked:
            heapq.heappush(queue, (at + locked.retry_after_seconds + 0.01, who))
    return {"addresses": addresses, "hours": hours, "guesses": guesses, "guesses_per_hour": round(guesses / hours),
            "refusals": refusals, "owner_signed_in": owner_in, "owner_refused": owner_refused,
            "owner_refusals": owner_waits[:3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, nargs="+", default=[1, 1000])
    parser.add_argument("--hours", type=float, default=1.0)
    args = parser.parse_args()
    for count in args.addresses:
        result = simulate(count, args.hours)
        print(f"{count:>5} address(es), {args.hours:g} h: {result['guesses']} password checks "
              f"({result['guesses_per_hour']}/h), {result['refusals']} refused; owner signed in "
              f"{result['owner_signed_in']} of {result['owner_signed_in'] + result['owner_refused']} tries"
              + (f" (refused: {result['owner_refusals']})" if result["owner_refused"] else ""))


if __name__ == "__main__":
    main()
